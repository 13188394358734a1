"""Pipeline stages as plain functions over the document model, one module per stage (ingest, preprocess, ocr,
clean, punctuate, translate, annotate, tei), plus ``stages`` (the text stages' one interface, which the flows
drive as Prefect tasks), ``tei_import`` and ``corrections`` (editions corrected by people, read back)."""
