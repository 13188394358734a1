"""The words the entity rules and the miners share: surnames and what a name is made of, the words around
names, administrative units and directions, and :func:`name_form`. One name per set.

Sets that only one rule reads stay beside it, named for what they mean there: the place suffixes, for one,
are the finder's ``_EXTENDING_SUFFIXES`` (what a tagged place may add to a lexicon place),
:data:`entities.copied_places.LANDMARK_SUFFIXES` (landmark words that end a copied name) and the miners'
``PLACE_SUFFIXES`` (what a place name may end in, so no person's does). All simplified script, as the
lexicons are.
"""

from __future__ import annotations

#: Variant characters the corpora write in names (硃 for the surname 朱: 硃泚, 硃全忠, while the translators
#: write 朱泚); names are mined and matched in the usual form.
_NAME_VARIANTS = str.maketrans({"硃": "朱"})


def name_form(text: str) -> str:
    """``text`` (simplified) with name variants in their usual form; same length, so offsets hold."""
    return text.translate(_NAME_VARIANTS)


# ----------------------------------------------------------------------------------------- surnames and names

#: Common Chinese surnames (simplified), single and compound; compiled by hand, CC0.
SURNAMES_1 = set(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪"
    "田任姜范姚谭廖邹熊陆郝孔崔康毛邱秦江顾侯邵孟龙段雷钱汤尹黎乔贺赖龚庞樊兰殷施陶洪翟颜倪严牛温芦季俞章鲁葛伍韦申尤"
    "毕聂丛焦柳邢岳齐沿梅莫庄辛管祝左涂谷祁舒耿牟卜詹关苗凌费纪靳盛童欧甄项曲游阳裴席卫鲍覃霍翁隋植甘景薄柏宁柯阮桂闵"
    "柴华冉房边辜吉饶刁瞿戚丘滕晋苑邬臧畅嵺苟褚廉简娄奚穆燕邸冀姬屠郜晏栾郁蒙喻揭窦迟糜鄢卓仇艾蓝巩稽虞卞竺冼楚佟栗匡"
    "鞠桑荆谌银伏岑胥蔺桓庾泉扶"
)
# Left out although they are surnames: characters that are far more often function words or common
# nouns at the start of a phrase (于是, 时人, 司马 the office, 和, 来, 都, 应, 安, 常, 向, 明, ...).
SURNAMES_2 = {
    "诸葛",
    "司马",
    "欧阳",
    "上官",
    "皇甫",
    "夏侯",
    "慕容",
    "长孙",
    "宇文",
    "尉迟",
    "令狐",
    "独孤",
    "公孙",
    "东方",
    "司徒",
    "司空",
    "呼延",
    "端木",
    "澹台",
    "轩辕",
    "万俟",
    "拓跋",
    "贺若",
    "赫连",
    "尔朱",
    "淳于",
    "钟离",
    "申屠",
    "太史",
    "仲长",
    "乐正",
    "闻人",
    "公羊",
    "谷梁",
    "百里",
    "东郭",
    "南宫",
    "西门",
    "公冶",
    "宗政",
    "濮阳",
    "叱干",
    "羊舌",
    "屈突",
    # Xianbei and other northern surnames of the histories of the Northern Dynasties and Tang (贺拔岳, 斛律光,
    # 沮渠蒙逊, 仆固怀恩, 达奚武): without them the miner read their tails as names (奚惎 of 达奚惎).
    "达奚",
    "贺拔",
    "贺兰",
    "斛律",
    "沮渠",
    "乞伏",
    "秃发",
    "仆固",
}
#: Surnames the copy-through miner alone may use (荀攸, 郗鉴, 狄仁杰, 扬雄): left out of ``SURNAMES_1`` because
#: the patterns would misread them (扬 "raise", 满 "full", 盖 "for"), but safe where the translators copy the
#: name and the corpus shows it in a person's contexts. Picked by hand, CC0, from the Hundred Family
#: Surnames: each char whose copied candidates were persons in nearly all of a sample from ``cm_train``.
#: 白, 石, 武, 方, 留, 路, 祖, 浑 and the like were not taken: their candidates are mostly things, offices,
#: kin or pieces of foreign names (白泽图, 石床, 留守李, 路头, 祖陵, 浑萨理 of 阿鲁浑萨理).
RARE_SURNAMES = frozenset("荀郗狄屈羊班郦寇蒯隗晁湛茹嵇濮汲暴贡缪郤符权满盖皮宰伊养茅扬")
#: Surnames that are common words too (安 "peace", 石 "stone", 白 "white", 史 "history", 方 "just then"), which
#: no miner may start a name from; before a given name already known they are surnames all the same (石敬瑭,
#: 白居易, 史弘肇): ``entities.mining.copied_names.mine_wordlike_surnamed``. Picked by hand, CC0, from the Hundred
#: Family Surnames: the characters of the names that miner found before a known given name in ``cm_train``,
#: left out where its finds were mostly a title or a word (明堂, 丞相, 公子).
WORDLIKE_SURNAMES = frozenset("安石白文武封史方元单向金邴留乌尚源真种檀来全鱼骆乐于强仰")
#: Characters that never end a name before a speech verb (王曰 is "the king said").
NOT_NAME_END = set(
    "王公侯伯帝后君臣人者之曰也乃则而又亦皆不所其于以为与及使因遂即今吏兵军相将守令卒众官对问笑答谓言叹怒喜告复"
)
#: Common words that begin with a surname character and stand before 曰 (左右曰 "the attendants said").
_NOT_NAMES = {
    "左右",
    "文学",
    "童子",
    "从者",
    "门人",
    "弟子",
    "父老",
    "长老",
    "主人",
    "宾客",
    "夫人",
    "太后",
    "皇后",
    "王子",
    "公子",
    "太子",
    "世子",
    "和尚",
}
#: Titles written after a surname in place of a given name (王夫人 "Lady Wang", 宋贵人, 尹真人). A pattern's other
#: finds ending in 人 are a place's people, an origin and not a person: 鲁人，字子… gives 鲁人, and 江阴人 alike.
TITLES_AFTER_SURNAME = ("夫人", "贵人", "美人", "才人", "真人", "山人")
#: Titles and kin words that, after a surname, show a match to be no plain name (简王绩 is 简王 + 绩, 曾孙轨 a
#: great-grandson 轨, 樊重女 the daughter of 樊重): a title or kin word read as part of a name.
TITLE_OR_KIN = frozenset("王侯公孙弟兄女")


def has_surname(name: str) -> bool:
    """Whether ``name`` begins with a known single or compound surname."""
    return name[:2] in SURNAMES_2 or name[0] in SURNAMES_1


def given_name(name: str) -> str | None:
    """What follows the surname (怀光 of 李怀光, 亮 of 诸葛亮); None when ``name`` has no known surname."""
    if not has_surname(name):
        return None
    return name[2:] if name[:2] in SURNAMES_2 else name[1:]


def could_be_speaker(name: str) -> bool:
    """``name`` standing before 曰/谓 may be a person's name: it begins with a surname, is not a common
    word, and does not end in a title or function word (齐王曰 is "the king of Qi said")."""
    return has_surname(name) and name[-1] not in NOT_NAME_END and name not in _NOT_NAMES


# ----------------------------------------------------------------------------------------- words around names

#: Words before a person (遣X "sent X") and after one (X曰 "X said", X卒 "X died").
PERSON_BEFORE = frozenset("遣杀诛召拜授诏命斩擒劾荐谓问执囚")
PERSON_AFTER = frozenset("曰等奏卒薨死对率请笑谓叹答问拜辞上")
#: Words before a place (至X "reached X") and after one (X人 "a man of X", X刺史 "prefect of X").
PLACE_BEFORE = frozenset("至入到往赴还屯次出奔徙迁镇攻取克陷据围过自守居徙")
PLACE_AFTER = frozenset("人刺太令界境地间中北南东西城兵军节")
#: Characters that glue onto a name without extending it (赵葵为 "Zhao Kui became").
GLUE = frozenset("为以之于而等与及乃遂即也者曰谓率奏卒死日入出请言使将")
#: Verbs that take a title as their object.
APPOINTMENT_VERBS = "拜除授迁转加兼改擢赠贬历领充为补徙署召征"


# ----------------------------------------------------------------------------------------------------- places

#: First characters that make "X + suffix" a determiner phrase, not a place name (本州, 诸郡, 二县).
DETERMINERS = set(
    "本诸各此其他别一二三四五六七八九十百千万数列旁邻大小外内上下前后新旧同某何是彼每州郡县之"
    "故京今在有用为于至入出流加生得过渡还归居去到临守攻围领开知乐少都总元行分治属名等诸"
)
#: Directions and positions (东, 上, 内 ...): alone, or two of them (西北), they name no place.
DIRECTIONS = "东西南北中上下左右内外前后"
#: Administrative units written after a place name (德安府), circuits too (福建路, 河北道: over every 25th
#: ``cm_train`` row about 85 % of a place + 路/道 are circuits, the rest roads, 井陉路); lexicons and the tagger
#: often stop before them. They also end a place written before a title (信州 of 信州司马, 山南东道 of
#: 山南东道节度使).
ADMIN_UNITS = frozenset("府州郡县路道")
#: The second unit of the words for "prefectures and counties" (州郡, 州县, 郡县).
GENERIC_UNIT_SECOND = frozenset("郡县")
