import pytest

from policy_qa.answer.question import Asks, Clause, profile_question


def test_profile_finds_years_places_and_figure_cue():
    profile = profile_question("2024年太原市计划新建多少标准化厂房？")
    assert profile.years == ("2024",)
    assert profile.places == ("太原市",)  # 「新建多少」: jieba tags 新建 a place, here it is a verb
    assert profile_question("去年新建了多少5G基站").places == ()
    assert profile_question("北京2023年GDP多少").places == ("北京",)
    assert profile.wants_figure
    assert not profile_question("有哪些改革措施？").wants_figure
    assert profile_question("有哪些改革措施？").wants_list
    # words that name the kind of answer are no topic words
    assert profile_question("临汾明年招商有啥具体措施").terms == ("临汾", "招商")
    assert profile_question("制定这个条例的目的是什么").terms == ("制定", "条例")
    assert profile_question("条例适用于哪些地方").terms == ("条例", "适用")
    assert profile_question("哪家公司负责运营").terms == ("公司", "负责", "运营")  # 「哪家」 only asks which
    assert profile_question("谁负责运营").terms == ("负责", "运营")


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("这个办法什么时候施行？", "date"),
        ("项目从摘牌到开工用了多久", "date"),
        ("哪些企业可以申请补贴？", "condition"),
        ("申请需要满足什么条件", "condition"),
        ("领取资格认证多久认证一次？", "date"),  # 「资格认证」 is a procedure, no eligibility
        ("这个办法的适用范围是什么？", "condition"),  # whom a rule applies to
        ("本条例对哪些单位适用？", "condition"),
        ("由哪个部门负责监督？", "who"),
        ("谁主罚的点球？", "who"),
        ("博览会将在哪里举办？", "place"),
        ("会议在哪召开？", "place"),
        ("在哪里申报？", "other"),  # where to file: a platform or window, not a place
        ("通过什么渠道投诉？", "other"),
        ("预配租结果在哪公示？", "other"),  # where it is published: a website or notice board, not a place
        ("报告在哪次会议上作的？", "other"),  # which meeting: an event, not a place
        ("引擎作用体现在哪些数字上？", "list"),  # 「在哪些」 asks which ones, not where
        ("改革在哪个方面突破最大？", "other"),
        ("开发区获得了哪些国家级荣誉？", "list"),  # 「国家级」 is a rank, not a country
        ("专项资金用在哪些地方？", "list"),  # what the money is used for, not where
        ("注销登记要交什么材料？", "list"),  # the documents to file: several items
        ("这个办法啥时候开始实施", "date"),
        ("明年打算签约多少个项目？", "count"),  # 「打算」 says plan, not list
        ("有哪些改革措施？", "list"),
        ("规上工业增加值同比增长了多少？", "rate"),
        ("占全市比重是多少", "rate"),
        ("签约了多少个项目？", "count"),
        ("临汾标准化厂房建了多少？", "amount"),
        ("有没有设立专项资金？", "yes_no"),
        ("为什么要开展执法检查？", "reason"),
        ("中国女足是通过什么方式进球的？", "other"),
        ("人才公寓咨询电话是多少？", "contact"),  # a phone number, not a figure
        ("想问分配的事打什么电话？", "contact"),
        ("有问题找谁咨询？", "contact"),  # a way to get in touch, not a body
        ("城镇和农村每百户移动电话哪个多", "other"),  # 「移动电话」 is a product
    ],
)
def test_what_a_question_asks_for(question, asks):
    assert profile_question(question).asks.value == asks


def test_figure_and_list_questions_follow_from_the_kind_asked():
    assert profile_question("增长了多少？").wants_figure and not profile_question("增长了多少？").wants_list
    assert profile_question("哪些企业可以申请？").wants_list
    assert not profile_question("什么时候施行？").wants_figure


def test_intent_tells_plans_from_results():
    assert profile_question("2024年计划新建多少厂房？").intent == "plan"
    assert profile_question("去年厂房建了多少？").intent == "result"
    assert profile_question("开发区有几家").intent is None


def test_the_unit_asked_for_is_a_whole_unit():
    assert profile_question("下放了多少项审批权限？").unit == "项"
    assert profile_question("签约多少项目？").unit is None  # 「项目」 is the thing counted, not the counter 「项」
    assert profile_question("计划引资多少亿元？").unit == "亿元"
    assert profile_question("长安汽车计划投资多少泰铢？").unit == "泰铢"
    # a counter that jieba reads into a rare word with what follows is still the counter (「家规」: 「家」「规上」)
    counted = profile_question("开发区有多少家规上工业企业？")
    assert counted.unit == "家" and counted.terms == ("开发区", "规上", "工业", "企业")
    assert profile_question("多少家庭受益？").unit is None  # 「家庭」 is a word


def test_a_count_question_names_what_it_counts():
    assert profile_question("开发区有多少家规上工业企业？").counted == "企业"
    assert profile_question("建了多少个标准化厂房？").counted == "厂房"
    assert profile_question("项目签约了多少个？").counted is None  # named before the counter: not judged
    assert profile_question("投资多少亿元建厂房？").counted is None  # an amount, no count


def test_a_modal_glued_to_a_word_is_no_part_of_it():
    # jieba guesses 「能租」「钱要」 as words: the topic is 「租」「钱」
    assert profile_question("人才公寓最长能租多久？").terms == ("人才", "公寓", "最长", "租")
    assert profile_question("这个钱要交税吗").terms == ("钱", "交税")


def test_who_may_claim_asks_for_conditions():
    for question in ("一次性求职补贴谁能领？", "什么人可以申请人才公寓？", "谁有资格享受这个补贴"):
        assert profile_question(question).asks is Asks.CONDITION, question
    assert profile_question("谁负责受理？").asks is Asks.WHO


def test_which_site_or_city_asks_for_a_place():
    for question in ("探测器是在哪个地点发射的？", "会议在哪座城市举行？", "项目位于什么位置？"):
        profile = profile_question(question)
        assert profile.asks is Asks.PLACE and not {"地点", "位置", "哪座"} & set(profile.terms), question


def test_a_scale_said_alone_is_no_topic_word():
    target = profile_question("2024年招商目标是多少亿？")
    assert target.unit == "亿" and target.asks is Asks.AMOUNT and "亿" not in target.terms
    spoken = profile_question("这个项目投了几个亿？")  # 「几个亿」 is an amount, not a count of 「个」
    assert spoken.unit == "亿" and spoken.asks is Asks.AMOUNT
    people = profile_question("开发者人数超过多少万？")  # 「万」 says too little: any figure
    assert people.unit is None and "万" not in people.terms
    assert profile_question("游客多少万人次？").unit == "万人次"


def test_a_rate_asked_by_name_wants_a_percentage():
    assert profile_question("规上工业增加值增速是多少？").unit == "%"
    assert profile_question("开工率是多少？").unit == "%"
    rate = profile_question("标准化厂房使用率目标是多少？")  # the rate's name, then what of it is asked
    assert rate.asks is Asks.RATE and rate.unit == "%"
    assert profile_question("短期贷款同比增长了多少？").unit is None  # a change may be an amount: 「多增300亿元」


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("这份材料是哪个单位写的", True),
        ("报告是哪一天在哪个会议上作的", True),
        ("这个通知是哪个部门发布的", True),
        ("文号是多少", True),
        ("这个办法什么时候施行", False),  # an article says it
        ("条例由哪个部门负责解释", False),
        ("合作的项目有哪些", False),
    ],
)
def test_a_question_about_the_document_itself(question, about):
    assert profile_question(question).about_document is about


def test_a_percentage_answers_a_question_that_speaks_of_change():
    assert profile_question("今年GDP增长目标是多少").speaks_of_change
    assert profile_question("要求多少的县达到基本型").speaks_of_change
    assert not profile_question("去年外贸进出口总额多少").speaks_of_change


def test_an_amount_of_money_is_asked_in_a_currency():
    assert profile_question("临汾开发区要素保障资金有多少").unit == "元"
    assert profile_question("建筑业增加值是多少").unit == "元"
    assert profile_question("工业增加值增长目标是多少").unit is None  # a target's change: a percentage
    assert profile_question("投资项目有多少个").unit == "个"


def test_a_will_says_plan():
    assert profile_question("今年规上工业增加值要增长多少？").stated == "plan"
    assert profile_question("要素保障资金有多少").stated is None  # 「要素」, 「重要」, 「需要」 say no plan
    assert profile_question("有哪些重要举措").stated is None


@pytest.mark.parametrize("question", ["领失业金要满足什么条件", "申请要准备什么材料？", "要去哪里办？", "要交多少钱"])
def test_what_one_must_do_says_no_plan(question):
    """「要」「准备」 of what an applicant must do (a notice's conditions, materials, places) are no plan."""
    assert profile_question(question).stated is None


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("条例有几章几条", True),
        ("这个办法一共多少条？", True),
        ("第二章有几条？", False),  # one chapter's articles, not the document's
        ("第几条规定了施行日期？", False),  # which article
        ("实施方案明确了多少条举措？", False),  # items, not articles
    ],
)
def test_a_question_about_the_number_of_chapters_and_articles(question, about):
    assert profile_question(question).about_structure is about


def test_a_question_for_several_figures():
    assert profile_question("有多少家医院，卫生技术人员多少人？").wants_several_figures
    assert not profile_question("有多少家医院？").wants_several_figures
    assert profile_question("去年的GDP和今年的增长目标各是多少").wants_several_figures  # one 多少 of each
    assert not profile_question("几月几号开始申报？").wants_several_figures  # a date


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("这个办法什么时候施行？", True),
        ("上海合作社那个办法啥时候开始实施", True),  # spoken 「啥时候」, 「实施」 for 「施行」
        ("条例的生效日期是哪天？", True),
        ("实施细则是哪年发布的？", False),  # when it was issued, not when it takes effect
        ("项目什么时候开工？", False),
    ],
)
def test_a_question_on_when_a_document_takes_effect(question, about):
    profile = profile_question(question)
    assert (profile.clause is Clause.EFFECT) is about and profile.asks is Asks.DATE


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("实施细则是根据哪部法律制定的？", True),
        ("这个办法的目的是什么", True),
        ("为什么要出台这个措施？", True),
        ("项目延期的原因是什么？", False),
    ],
)
def test_a_question_on_what_a_rule_is_for_and_on_what_grounds(question, about):
    assert (profile_question(question).clause is Clause.BASIS) is about


def test_a_spoken_demonstrative_is_no_part_of_the_topic_word():
    assert "钱" in profile_question("这钱用在哪些地方？").terms
