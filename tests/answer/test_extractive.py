"""The extractive answerer on the real corpus and on small documents written here (a notice, a rule with articles, a
statistics bulletin, a work report), each with a real index: answers keep what makes them true and whole (a
section's opening, a notice's conditions, a subsidy's rate and cap, each year's figure with its part), and cite it."""

import pytest

from policy_qa.answer.evidence import SECTION_HEADING_SHARE, answered_by_section
from policy_qa.answer.extractive import LIST_CHARS

from ..conftest import engine_over


def test_a_question_about_a_section_is_answered_by_its_opening(qa):
    question = "临汾明年要素保障有什么打算"
    profile, (scope,) = qa.evidence(question)
    assert scope.best.heading_share >= SECTION_HEADING_SHARE and answered_by_section(profile, scope.best)
    answer = qa.ask(question)
    assert not answer.refused and "要素保障" in answer.citations[0].section
    source = qa.catalog.sources[answer.citations[0].document]
    section_sentences = qa.catalog.section_sentences(scope.best.sentence)
    assert answer.citations[0].start == section_sentences[1].start  # the first after the section's title
    assert source.written[answer.citations[0].start : answer.citations[0].end] == answer.citations[0].quote
    assert "30万平方米" in answer.text and len(answer.citations[0].quote) <= LIST_CHARS + 200


def test_a_figure_question_is_no_question_about_a_section(qa):
    profile, (scope,) = qa.evidence("临汾明年要新建多少标准化厂房？")
    assert not answered_by_section(profile, scope.best)


def test_a_lead_phrase_too_long_to_show_is_answered_by_its_run_in_headings(tmp_path):
    details = "加快推进一批交通、水利、能源重大项目前期工作，新开工一批高铁、储气库和航运枢纽项目，带动有效投资稳定增长"
    qa = engine_over(
        tmp_path,
        "某市政府工作报告.txt",
        "某市政府工作报告\n\n二、2025年主要任务\n\n"
        f"全方位扩大内需。提高投资效益。{details}。{details}。大力提振消费。{details}。{details}。"
        f"推动房地产市场止跌回稳。{details}。{details}。\n\n"
        "“三攻坚一盘活”取得积极成效。市属国企减亏扭亏548户。市区两级1076家企业完成政企分离改革。"
        f"民营经济发展环境持续优化。{details}。\n\n"
        f"积极培育新质生产力。{details}。\n",
    )
    answer = qa.ask("今年在扩大内需方面有什么打算")
    assert not answer.refused
    assert [c.quote for c in answer.citations] == [
        "全方位扩大内需。", "提高投资效益。", "大力提振消费。", "推动房地产市场止跌回稳。"
    ]
    assert "全方位扩大内需[1]：提高投资效益[2]；大力提振消费[3]；推动房地产市场止跌回稳[4]。" in answer.text
    # a lead phrase followed by its own details: those, up to its next sibling
    answer = qa.ask("“三攻坚一盘活”是什么内容")
    assert [c.quote for c in answer.citations] == [
        "“三攻坚一盘活”取得积极成效。市属国企减亏扭亏548户。市区两级1076家企业完成政企分离改革。"
    ]


def test_a_short_sentence_with_a_figure_is_no_lead_phrase(tmp_path):
    answer = engine_over(
        tmp_path,
        "某州统计公报.txt",
        "某州统计公报\n\n十、卫生\n\n全州拥有卫生机构3845个。其中，医院116个，乡镇卫生院212个，妇幼保健院17个，"
        "疾病预防控制中心17个，卫生监督所17所，诊所318个，村卫生室3128个。全州实有医院病床23008张。\n",
    ).ask("卫生机构有多少个")
    assert not answer.refused and answer.citations[0].quote == "全州拥有卫生机构3845个。"


def test_an_article_is_named_by_the_label_and_answers_whole(tmp_path):
    qa = engine_over(
        tmp_path,
        "某市开发区管理办法.md",
        "# 某市开发区管理办法\n\n## 第一章 总则\n\n第一条 为了规范开发区建设和管理，制定本办法。\n\n"
        "第二条 本办法适用于本市行政区域内的省级以上开发区。\n\n第三条 市商务局负责全市开发区的统筹协调工作。\n\n"
        "第四条 开发区管理机构不得违反约定拖欠企业账款。拖欠的，由市商务局责令限期支付，并依法追究责任。\n",
    )
    answer = qa.ask("这个办法适用于哪些地方")
    assert "（第二条）：本办法适用于本市行政区域内" in answer.text
    assert answer.citations[0].quote.startswith("第二条")  # the quote stays whole
    # a rule's article is the answer to what to do: all of it, in one quote
    answer = qa.ask("开发区拖欠企业账款怎么办")
    assert "（第四条）：开发区管理机构不得违反约定拖欠企业账款。拖欠的，由市商务局责令限期支付" in answer.text
    assert len(answer.citations) == 1 and answer.citations[0].quote.endswith("并依法追究责任。")


NOTICE = (
    "关于开展2024年度中小企业发展专项资金申报工作的通知\n各区县商务局：\n"
    "为支持中小企业发展，现将2024年度专项资金申报工作通知如下。\n"
    "一、支持对象\n在本市注册、依法纳税的中小企业，上年度营业收入在500万元以上。\n"
    "二、支持标准\n对符合条件的企业给予一次性补助，最高不超过50万元。\n"
    "三、申报时间\n申报时间为2024年5月1日至5月31日，逾期不予受理。\n"
    "四、联系方式\n联系人：张三，电话：0351-1234567。\n某市商务局\n2024年4月15日\n"
)


def test_a_notice_answers_who_qualifies_when_and_who_issued_it(tmp_path):
    qa = engine_over(tmp_path, "通知.txt", NOTICE)
    # who qualifies: the part headed 「支持对象」, not the sentence that only says 「符合条件的企业」
    for question in ("哪些企业可以申请？", "申请条件是什么？"):
        answer = qa.ask(question)
        assert not answer.refused and "营业收入在500万元以上" in answer.text, question
    # 「什么时候」 only asks when
    assert "2024年5月1日至5月31日" in qa.ask("什么时候申报？").text
    # the issuer is the signature, not the addressee line 「各区县商务局：」
    issuer = qa.ask("这个通知是哪个部门发的？")
    assert not issuer.refused and "某市商务局" in issuer.text and "各区县" not in issuer.text
    assert qa.ask("有没有贷款贴息？").refused


BULLETIN = (
    "某州2023年统计公报\n\n"
    "一、卫生\n\n"
    "年末全州拥有卫生机构3845个。其中，医院116个，乡镇卫生院212个，疾病预防控制中心17个。"
    "全州实有医院病床23008张，卫生技术人员22561人。\n\n"
    "二、开放\n\n"
    "8月10日，省文化和旅游厅公布了恢复出境团队游第三批名单，在前两批恢复了60个目的地国家和地区的基础上，"
    "一次性又拓展了78个，至此，出境团队游目的地增至138个。全年进出口总额增长5.2%。\n\n"
    "三、金融\n\n"
    "全年组织银企对接活动12场，向金融机构推介重点项目161个，达成贷款意向171.53亿元，授信130.41亿元，"
    "完成投放83.66亿元，有力保障了重点项目的资金需求。\n"
)


@pytest.fixture(scope="module")
def bulletin_qa(tmp_path_factory):
    return engine_over(tmp_path_factory.mktemp("bulletin"), "公报.txt", BULLETIN)


@pytest.mark.parametrize(
    ("question", "figures"),
    [
        ("全州有多少个医院，卫生技术人员多少人？", ("116个", "22561人")),  # a sentence for each figure asked
        ("达成贷款意向多少亿元？", ("171.53亿元", "130.41亿元", "83.66亿元")),  # a run of figures of one unit
        ("第三批名单包括了多少个国家和地区？", ("78个",)),  # what is new after 「在……的基础上」
    ],
)
def test_a_figure_answer_keeps_what_makes_it_whole(bulletin_qa, question, figures):
    answer = bulletin_qa.ask(question)
    assert not answer.refused and all(figure in answer.text for figure in figures)


RULE = (
    "# 某市促进跨境电子商务发展若干措施\n\n## 第一章 总则\n\n"
    "第一条 为加快跨境电子商务发展，结合本市实际，制定本措施。\n\n"
    "第二条 本措施适用于在本市注册、具有独立法人资格、从事跨境电子商务业务的企业。\n\n"
    "第三条 市商务局负责本措施的组织实施，市财政局负责资金保障。\n\n## 第二章 支持政策\n\n"
    "第四条 对年度跨境电子商务进出口额首次突破1000万美元的企业，给予一次性奖励20万元。\n\n"
    "第五条 对企业在境外租赁公共海外仓，按照实际租金的30%给予补助，单个企业每年补助不超过100万元。\n\n"
    "第六条 支持企业开展跨境电子商务人才培训，按照培训费用的50%给予补贴，单个企业每年不超过10万元。\n\n"
    "## 第三章 附则\n\n第七条 本措施自2024年4月1日起施行，有效期三年。\n"
)


def test_a_rule_says_how_many_chapters_and_articles_it_has(tmp_path):
    qa = engine_over(tmp_path, "措施.md", RULE)
    answer = qa.ask("这个措施有几章几条？")
    assert not answer.refused and "三章" in answer.text and "七条" in answer.text
    assert "第三章" in answer.citations[0].quote and "第七条" in answer.citations[0].quote  # the last chapter and article
    chapter = qa.ask("第二章是关于什么的？")  # a whole chapter is labelled by the chapter, not by one of its articles
    assert "（第二章 支持政策）：第四条" in chapter.text


def test_chapters_and_articles_numbered_in_digits_are_counted_too(tmp_path):
    rule = RULE.replace("第一章", "第1章").replace("第二章", "第2章").replace("第三章", "第3章")
    for numeral, digit in zip("一二三四五六七", "1234567"):
        rule = rule.replace(f"第{numeral}条", f"第{digit}条")
    answer = engine_over(tmp_path, "措施.md", rule).ask("这个措施有几章几条？")
    assert not answer.refused and "共3章、7条" in answer.text


def test_a_rule_says_whom_it_applies_to_in_its_own_article(tmp_path):
    answer = engine_over(tmp_path, "措施.md", RULE).ask("这个措施的适用范围是什么？")
    assert not answer.refused and "适用于在本市注册、具有独立法人资格、从事跨境电子商务业务的企业" in answer.text
    assert answer.text.count("第二条") == 1  # in the label only


FUND_RULE = (
    "# 某市中小企业发展专项资金管理办法\n\n2023年6月8日 某市人民政府令第12号发布\n\n"
    "第一条 为规范中小企业发展专项资金管理，提高资金使用效益，根据《某省财政专项资金管理条例》，制定本办法。\n\n"
    "第二条 专项资金用于支持中小企业技术改造、融资担保和公共服务体系建设。\n\n"
    "第三条 市财政局会同市工业和信息化局负责专项资金的管理和监督。\n\n"
    "第四条 本办法自发布之日起施行。\n"
)


def test_a_rule_says_when_it_takes_effect_and_what_for_from_its_own_articles(tmp_path):
    qa = engine_over(tmp_path, "措施.md", RULE)
    (tmp_path / "corpus" / "办法.md").write_text(FUND_RULE, encoding="utf-8")
    qa.reindex()
    dated = qa.ask("跨境电商那个措施啥时候开始实施？")  # 「实施」 for 「施行」, the article far from any question word
    assert not dated.refused and "2024年4月1日" in dated.text and "第七条" in dated.text
    issued = qa.ask("专项资金管理办法什么时候施行？")  # 「自发布之日起」: the day comes from the line that dates the issue
    assert "自发布之日起施行" in issued.text and "2023年6月8日" in issued.text
    assert "2023年6月8日" in issued.citations[-1].quote
    assert "某省财政专项资金管理条例" in qa.ask("专项资金管理办法的上位法是什么？").text
    basis = qa.ask("跨境电商措施是为什么出台的？")  # its opening article, whatever words the question uses
    assert not basis.refused and "为加快跨境电子商务发展" in basis.text


def test_a_change_since_the_start_of_the_year_keeps_what_changed(tmp_path):
    qa = engine_over(
        tmp_path,
        "公报.txt",
        "某州2023年统计公报\n\n八、金融\n\n"
        "2023年末，全部金融机构存款余额1466.64亿元，比年初增长26.7%。其中，住户存款余额750.68亿元，比年初增长13.7%。"
        "全部贷款余额937.29亿元，比年初增长23.4%。\n",
    )
    answer = qa.ask("存款余额比年初增长多少")
    assert "全部金融机构存款余额1466.64亿元，比年初增长26.7%" in answer.text  # not 「2023年末，比年初增长26.7%」




def test_a_rule_without_a_conditions_part_says_who_qualifies_and_its_subsidies_with_their_caps(tmp_path):
    qa = engine_over(tmp_path, "措施.md", RULE)
    who = qa.ask("哪些企业可以申请？")
    assert not who.refused and "从事跨境电子商务业务的企业" in who.text  # its scope, for want of 「申报条件」
    # a subsidy's standard is its rate and its cap, said of whom the article opens with
    for question, figures in (("海外仓补贴标准是多少？", ("30%", "100万元")), ("人才培训补贴多少？", ("50%", "10万元"))):
        answer = qa.ask(question)
        assert not answer.refused and all(f in answer.text for f in figures), question
    assert qa.ask("有没有对物流企业的运费补贴？").refused


FILING_NOTICE = (
    "关于组织申报2024年度中小企业数字化转型专项资金的通知\n\n各区县工业和信息化局，各有关企业：\n"
    "为加快推动中小企业数字化转型，现就组织申报专项资金有关事项通知如下。\n\n"
    "一、申报条件\n（一）在本市依法登记注册，具有独立法人资格。\n（二）近三年无重大安全、环保、质量事故。\n"
    "（三）项目于2023年1月1日以后开工建设。\n\n"
    "二、支持方向\n（一）数字化改造项目。支持企业实施生产设备联网改造。\n（二）工业互联网平台应用。支持企业上云上平台。\n\n"
    "三、申报程序\n企业于2024年6月30日前通过“某市企业服务平台”提交申报材料，各区县于7月15日前完成初审。\n\n"
    "四、联系方式\n市工业和信息化局中小企业处，联系人：李明，电话：0351-7654321。\n\n某市工业和信息化局\n2024年5月20日\n"
)


def test_a_notice_gives_all_its_conditions_its_channel_its_contact_and_its_issuer(tmp_path):
    qa = engine_over(tmp_path, "通知.txt", FILING_NOTICE)
    conditions = qa.ask("哪些企业可以申报？")  # every item of 「一、申报条件」, not only the first
    assert all(item in conditions.text for item in ("独立法人资格", "质量事故", "2023年1月1日以后"))
    directions = qa.ask("支持哪些方向？")  # every item of the part whose heading holds the question's words
    assert "数字化改造项目" in directions.text and "工业互联网平台应用" in directions.text
    assert "2024年6月30日" in qa.ask("申报截止到什么时候？").text  # 「到」 is no topic word
    assert "企业服务平台" in qa.ask("在哪里申报？").text  # where to file: a platform, not a place
    assert "李明" in qa.ask("联系人是谁？").text  # an answer never ends on its label 「联系人：」
    issuer = qa.ask("通知是哪个部门发的？")  # the signature, not the addressee line with its commas
    assert "某市工业和信息化局" in issuer.text and "各有关企业" not in issuer.text


STATISTICS = (
    "某县2023年国民经济和社会发展统计公报\n\n一、综合\n\n"
    "初步核算，全年地区生产总值286.5亿元，按不变价格计算，比上年增长5.8%。人均地区生产总值达到6.2万元。\n\n"
    "二、农业\n\n粮食总产量25.6万吨，比上年增长2.3%。\n\n"
    "表1 主要农产品产量\n产品名称\t产量（万吨）\t比上年增长（%）\n粮食\t25.6\t2.3\n蔬菜\t41.2\t3.5\n水果\t8.7\t-1.6\n\n"
    "三、工业\n\n表2 主要工业产品产量\n产品名称\t单位\t产量\t比上年增长（%）\n水泥\t万吨\t102.3\t5.1\n发电量\t亿千瓦时\t12.6\t8.2\n"
)


def test_a_statistics_bulletin_gives_the_rate_asked_and_a_table_row_under_its_columns(tmp_path):
    qa = engine_over(tmp_path, "公报.txt", STATISTICS)
    growth = qa.ask("地区生产总值增长多少？")  # the change in %, not only the amount
    assert "比上年增长5.8%" in growth.text and "286.5亿元" in growth.text
    row = qa.ask("水果产量增长还是下降？")  # the labels' column 「产品名称」 has no cell in the row
    assert "水果：产量8.7万吨，比上年增长-1.6%" in row.text  # each figure with the unit its column names
    assert "产品名称" not in row.text  # nor is the header line a sentence of the table
    assert "水泥：产量102.3万吨，比上年增长5.1%" in qa.ask("水泥产量是多少？").text  # the unit from the row's unit column


WORK_REPORT = (
    "2025年某市政府工作报告\n\n一、2024年工作回顾\n\n"
    "过去一年，全市经济运行稳中向好。新增规模以上工业企业156家。新能源汽车产量突破10万辆。\n\n"
    "二、2025年主要目标和重点任务\n\n"
    "实施制造业重点产业链高质量发展行动，力争新能源汽车产量达到15万辆。安排市级重点项目300个。\n"
)


def test_a_figure_of_each_of_two_years_comes_from_each_year_and_says_which(tmp_path):
    answer = engine_over(tmp_path, "报告.txt", WORK_REPORT).ask("新能源汽车产量去年多少，今年目标多少？")
    assert not answer.refused and "10万辆" in answer.text and "15万辆" in answer.text
    assert "2024年工作回顾" in answer.text and "2025年主要目标" in answer.text  # each figure with its part


def _report_with(tmp_path, old: str, new: str):
    """The engine over the work report with ``old`` replaced by ``new``."""
    return engine_over(tmp_path, "报告.txt", WORK_REPORT.replace(old, new, 1))


def test_a_report_says_who_gave_it_when_and_at_which_meeting_from_its_title_block(tmp_path):
    qa = _report_with(
        tmp_path,
        "2025年某市政府工作报告\n\n",
        "2025年某市政府工作报告\n\n——2025年1月10日在某市第十六届人民代表大会第四次会议上\n市长 王建国\n\n各位代表：\n\n"
        "现在，我代表市人民政府，向大会报告工作，请予审议。\n\n",
    )
    assert qa.ask("报告是谁作的？").text.split("[1]")[0].endswith("王建国")  # the speaker, before 「我代表市人民政府」
    assert "第四次会议" in qa.ask("报告在哪次会议上作的？").text  # which meeting: an event, not a place
    assert "2025年1月10日" in qa.ask("报告是哪天作的？").text


def test_a_figure_in_another_unit_than_asked_is_no_answer(tmp_path):
    qa = _report_with(
        tmp_path,
        "安排市级重点项目300个。",
        "安排市级重点项目300个。办好十件民生实事，包括：新开工改造城镇老旧小区300万平方米；建设口袋公园50个；"
        "实施困难家庭无障碍改造2000户。",
    )
    assert "300万平方米" in qa.ask("今年改造老旧小区多少平方米？").text
    assert qa.ask("今年计划改造多少个老旧小区？").refused  # the sentence counts 户 of another item, not 个 of this one


def test_a_figure_spaced_from_its_words_in_web_text_stays_with_them(tmp_path):
    # web text that puts spaces where punctuation was lost: 「超过 220万」 is one phrase, not two clauses
    qa = engine_over(
        tmp_path,
        "news.txt",
        "华为开发者大会2023在东莞举行 鸿蒙生态持续壮大\n\n8月4日，在华为开发者大会2023上 华为终端负责人 发布了新版本。"
        "截至目前，鸿蒙生态设备已达 7 亿台，HarmonyOS 开发者人数超过 220万。新版本 带来全新交互设计 个性化主题。\n",
    )
    answer = qa.ask("HarmonyOS开发者人数超过多少万？").text
    assert "开发者人数超过 220万" in answer and "7 亿台" not in answer


def test_a_when_question_is_answered_by_the_part_headed_for_its_time_with_each_group_s_period(tmp_path):
    # the scope part, long enough to be chunks of its own, speaks of 缴费 and its lengths of time more than the
    # part headed for the time of payment
    scope = "".join(
        f"（{n}）连续{n}年以上参加居民医保且中断缴费时间不超过{n}个月的{group}，集中缴费期内可按规定办理居民医保缴费手续。"
        for n, group in enumerate(("在校学生", "灵活就业人员", "老年居民", "未成年人", "残疾人员", "退役军人", "新就业人员"), 1)
    )
    qa = engine_over(
        tmp_path,
        "通告.txt",
        "关于开展2026年度城乡居民医保参保缴费工作的通告\n"
        f"一、参保范围\n{scope}\n"
        "二、缴费标准\n2026年度居民医保个人缴费标准为每人每年400元。\n"
        "三、集中缴费时间\n2026年度居民医保集中参保和缴费时间在校学生为2025年9月下旬至2025年12月20日（集中参保期），"
        "其他参保人员为2025年10月下旬至2025年12月20日（集中参保期）。\n"
        "四、待遇享受时间\n连续参保的人员自2026年1月1日起享受待遇。\n",
    )
    answer = qa.ask("居民医保集中缴费是什么时候？").text
    assert "2025年9月下旬至2025年12月20日" in answer and "2025年10月下旬至2025年12月20日" in answer


QUESTIONS_AND_ANSWERS = (
    "某市就业创业政策常见问题\n\n"
    "一、失业保险金能领多久？\n\n答：缴费时间一至四年的，每满一年，失业保险金领取期限为一个月。\n\n"
    "二、创业担保贷款的贷款利率和贴息利率分别是多少？\n\n"
    "答：创业担保贷款利率上限不超过LPR+50BP。按贷款实际利率的50%给予财政贴息。\n\n"
    "三、领取失业金期间死亡，遗属可以申请丧葬补助金和抚恤金吗？能领多少钱？\n\n"
    "失业人员在领取失业保险金期间死亡的，遗属应当在六个月内到社会保险经办机构办理领取手续。"
    "丧葬补助金按上年度在岗职工月平均工资的三倍计发，抚恤金按六倍计发。\n\n"
    "四、如何办理失业保险跨省转移？\n\n答：可先到转出地经办机构开具转移凭证，再到转入地经办机构办理关系转入。\n"
)


def test_a_question_and_answer_page_answers_with_the_whole_answer_to_the_item_asked(tmp_path):
    """A Q&A item's question is its heading (kept whole up to 30 characters): a user's question whose words it
    holds is answered by the item's whole answer, not by one sentence of it, and never by the item's question."""
    qa = engine_over(tmp_path, "常见问题.txt", QUESTIONS_AND_ANSWERS)
    rates = qa.ask("创业担保贷款利率多少？政府贴多少利息")
    assert "LPR+50BP" in rates.text and "50%" in rates.text
    death = qa.ask("领失业金期间人去世了，家属能领多少丧葬补助金和抚恤金")
    assert "三倍" in death.text and "六倍" in death.text
    assert "分别是多少" not in rates.text and "可以申请丧葬补助金和抚恤金吗" not in death.text
