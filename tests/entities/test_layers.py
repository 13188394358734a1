"""Where the entity code sits: the pipeline reads entities but never the miners, and the annotate stage's cache
key covers the entity code it runs."""

from __future__ import annotations

from wenyuan.code_identity import module_closure


def test_the_annotate_stage_is_keyed_on_the_entity_code_and_never_imports_the_miners():
    closure = module_closure("tasks.annotate")
    assert {"entities.finder", "entities.patterns", "entities.lexicons", "entities.dates"} <= set(closure)
    for stage in ("tasks.annotate", "flows.digitize"):
        assert not [m for m in module_closure(stage) if m.startswith("entities.mining")]
