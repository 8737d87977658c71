"""Spans that answer a kind of question: dates, figures, bodies, places; and whether a sentence holds one."""

import pytest

from policy_qa.answer.question import Asks, profile_question
from policy_qa.answer.typed_spans import answer_spans, holds_answer_kind


def _texts(asks, text):
    return [text[s.start : s.end] for s in answer_spans(asks, text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("本办法自2024年1月1日起施行。", "2024年1月1日"),
        ("2024年4月至2024年6月底，主管部门将组织监督检查。", "2024年4月"),
        ("第二阶段到2030年，全面形成标准体系。", "2030年"),
        ("一季度续建项目全部复工。", "一季度"),
        ("自受理之日起10个工作日内办结。", "10个工作日内"),
    ],
)
def test_dates_and_periods(text, expected):
    assert any(expected in found for found in _texts(Asks.DATE, text))


def test_a_date_keeps_the_hour_it_names():
    assert _texts(Asks.DATE, "水利部于7月28日12时启动洪水防御Ⅲ级应急响应。") == ["7月28日12时"]
    assert _texts(Asks.DATE, "申报截止时间为2024年3月31日17:00，逾期不予受理。") == ["2024年3月31日17:00"]
    assert _texts(Asks.DATE, "探测器于11日2时10分发射。") == ["11日2时10分"]
    assert _texts(Asks.DATE, "7月28日，国家防总召开会商会。") == ["7月28日"]


def test_when_is_a_time_not_a_length_of_time():
    asked = profile_question("居民医保集中缴费是什么时候？")
    assert (asked.asks, asked.unit) == (Asks.DATE, "时") and profile_question("最长能租多久？").unit is None
    assert answer_spans(Asks.DATE, "连续2年以上参加基本医疗保险的", "时") == []  # how long, not when
    window = "在校学生为2025年9月下旬至2025年12月20日"
    assert [window[s.start : s.end] for s in answer_spans(Asks.DATE, window, "时")] == ["2025年9月下旬", "2025年12月20日"]
    assert [s for s in answer_spans(Asks.DATE, "定于2027年发射", "时")]  # a year is no length of time


def test_a_change_is_a_rate_or_a_figure_said_as_a_change():
    assert not holds_answer_kind(Asks.RATE, "个人缴费标准为每人413元，财政补助标准为每人956元。")  # levels, no change
    assert _texts(Asks.RATE, "个人缴费标准比上年提高20元。") == ["20元"]
    said = "去年贸易总额为1110亿英镑(约合1.13万亿元人民币)，与2021年相比增长了18.3%。"
    assert _texts(Asks.RATE, said) == ["18.3%"] and holds_answer_kind(Asks.RATE, said, None, ("贸易总额",))
    revenue = "搜狐公司第二季度收入为1.52亿美元（约合人民币10.93亿元），较2022年同期下降22%。"
    assert holds_answer_kind(Asks.RATE, revenue, None, ("搜狐公司",))  # the rate continues the figure before it


def test_contacts_are_phone_numbers_hotlines_and_addresses():
    assert _texts(Asks.CONTACT, "或致电400-893-9111、400-790-1999咨询") == ["400-893-9111", "400-790-1999"]
    assert _texts(Asks.CONTACT, "联系电话：020-38622165，邮箱：thrc@163.com") == ["020-38622165", "thrc@163.com"]
    assert _texts(Asks.CONTACT, "可拨打12345热线或(020)87654321转8001") == ["12345", "(020)87654321转8001"]
    assert _texts(Asks.CONTACT, "资金1000万元，惠及12345人，2025年3月28日上午10时开始。") == []


def test_figures_with_units_first_years_excluded():
    assert _texts(Asks.AMOUNT, "2023年建成厂房37.9万平方米，已使用29.9万平方米。") == ["37.9万平方米", "29.9万平方米"]
    assert _texts(Asks.COUNT, "县市区主官两月一次外出招商") == ["两月", "一次"]
    assert not holds_answer_kind(Asks.RATE, "2023年全面完成目标任务。")


def test_a_date_is_no_amount_and_currencies_are_units():
    assert _texts(Asks.AMOUNT, "8月16日，该公司宣布投资88亿泰铢建厂。") == ["88亿泰铢"]
    assert not holds_answer_kind(Asks.AMOUNT, "当地时间16日，双方签署了协议。")
    assert _texts_in(Asks.DATE, "8月16日签署", None) == ["8月16日"]
    assert holds_answer_kind(Asks.DATE, "合伙企业营业执照的签发之日，为合伙企业的成立日期。")  # a day named by an act
    assert not holds_answer_kind(Asks.DATE, "向企业登记机关报送上一年度年度报告")  # 「一年度」 is no duration


def test_bodies_and_places():
    assert "国务院办公厅" in "".join(_texts(Asks.WHO, "国务院办公厅印发了实施意见。"))
    assert "省发展改革委" in "".join(_texts(Asks.WHO, "由省发展改革委牵头负责。"))
    assert not holds_answer_kind(Asks.WHO, "全部项目均已开工。")
    assert not holds_answer_kind(Asks.WHO, "用好考核评价奖惩办法，部分项目加快推进。")  # 办法、部分: no bodies
    assert "市商务局" in "".join(_texts(Asks.WHO, "由市商务局牵头。"))
    assert holds_answer_kind(Asks.PLACE, "第7届博览会将在云南昆明举办。")
    assert holds_answer_kind(Asks.PLACE, "本条例适用于本省行政区域内优化营商环境相关工作。")  # a region by extent


def test_kinds_without_a_span_always_hold():
    assert holds_answer_kind(Asks.LIST, "无关的句子") and holds_answer_kind(Asks.OTHER, "无关的句子")


def test_a_unit_asked_for_selects_figures_and_counters_count_alike():
    text = "全市4个工业类开发区完成投资146.59亿元，新增企业8家。"
    assert _texts_in(Asks.COUNT, text, "家") == ["4个", "8家"]
    assert _texts_in(Asks.AMOUNT, text, "亿元") == ["146.59亿元"]
    assert not holds_answer_kind(Asks.COUNT, "完成投资146.59亿元", "项")
    assert holds_answer_kind(Asks.AMOUNT, "水泥 万吨 1022.88 25.8", "吨")  # a table row: the unit is a cell
    assert not holds_answer_kind(Asks.COUNT, "家用汽车 33 17", "台")
    # a table's row: its headers and caption say the unit, or say none
    assert holds_answer_kind(Asks.COUNT, "家用汽车 33 17", "台", table="表10 每百户拥有耐用品\n城镇 农村")
    assert holds_answer_kind(Asks.AMOUNT, "各项贷款余额 9372922", "万元", table="绝对额（万元） 比年初增长（%）")
    assert not holds_answer_kind(Asks.AMOUNT, "各项贷款余额 9372922", "吨", table="绝对额（万元） 比年初增长（%）")
    assert _texts_in(Asks.COUNT, "到2030年将短缺6.7万人。", "名") == ["6.7万人"]  # people: 名、人、位
    # a scale said alone (「多少亿」): a figure of that scale, whatever its unit
    assert _texts_in(Asks.AMOUNT, "签约项目86个，总投资358.77亿元，用地1.2万亩。", "亿") == ["358.77亿元"]
    assert not holds_answer_kind(Asks.AMOUNT, "外出招商两月一次，签约项目86个", "亿")
    # a count without its counter (「签约多少项目」): things counted, never an amount
    assert _texts_in(Asks.COUNT, "共签约项目86个，总投资358.77亿元，涉及6.7万人。", None) == ["86个", "6.7万人"]
    assert not holds_answer_kind(Asks.COUNT, "签约项目总投资保持在1000亿元以上")
    # a rate asked by name: a share, points or times, or a table's bare cell; never an amount
    assert _texts_in(Asks.RATE, "完成投资146.59亿元，增长22.6%，高于全省2.1个百分点。", "%") == ["22.6%", "2.1个百分点"]
    assert not holds_answer_kind(Asks.RATE, "完成投资146.59亿元", "%")
    assert holds_answer_kind(Asks.RATE, "水泥 万吨 1022.88 25.8", "%", table="产量 比上年增长（%）")
    # a bare number of prose (a note's item number) is no rate
    assert not holds_answer_kind(Asks.RATE, "4.人口出生率、死亡率和自然增长率来源于州卫计委数据", "%")


def _texts_in(asks, text, unit):
    return [text[s.start : s.end] for s in answer_spans(asks, text, unit)]


def test_a_count_of_another_thing_named_after_it_is_no_answer():
    text = "全市9家工业类开发区规上工业增加值同比增长16.5%，规上工业企业126家，培育50家专精特新企业。"
    assert _texts_in(Asks.COUNT, text, "家") == ["9家", "126家", "50家"]
    # 「多少家规上工业企业」 counts 企业: 「9家工业类开发区」 counts something else; a count named before it is not judged
    assert [text[s.start : s.end] for s in answer_spans(Asks.COUNT, text, "家", counted="企业")] == ["126家", "50家"]
    assert not holds_answer_kind(Asks.COUNT, "全市9家工业类开发区规上工业增加值同比增长16.5%", "家", counted="企业")
    assert holds_answer_kind(Asks.COUNT, "全市共有4个开发区。", "个", counted="开发区")


def test_a_figure_answers_only_when_said_of_the_question_subject():
    from policy_qa.answer.typed_spans import bound_spans, subject_words

    text = "全年地区生产总值达到32193.15亿元、增长5.7%，人均地区生产总值突破10万元，服务业增加值增长6.8%。"
    subject = subject_words(("服务业", "增加值", "总量"), text)
    assert subject == ("服务业", "增加值")
    assert not holds_answer_kind(Asks.AMOUNT, text, "亿元", subject)  # the 亿元 figure is the GDP's
    assert holds_answer_kind(Asks.AMOUNT, text, "亿元", subject_words(("地区生产总值",), text))
    rates = bound_spans(text, answer_spans(Asks.RATE, text, "%"), subject)
    assert [text[s.start : s.end] for s in rates] == ["6.8%"]
    # a lead that only continues the figure before it keeps that figure's subject
    text = "全州肉类总产量18.99万吨，比上年下降3.4%；实际使用外资：4870万美元，其中松花江下游55至70毫米。"
    assert holds_answer_kind(Asks.RATE, text, "%", subject_words(("肉类", "总产量"), text))
    assert holds_answer_kind(Asks.AMOUNT, text, "万美元", subject_words(("实际", "使用", "外资"), text))
    assert holds_answer_kind(Asks.AMOUNT, text, "毫米", subject_words(("下游",), text))
    # a bracketed note's commas break no clause: the figure is still said of what precedes the note
    text = "全年全市固定资产投资（不含农户，下同）同比增长10.5%。"
    assert holds_answer_kind(Asks.RATE, text, "%", subject_words(("固定资产", "投资"), text))
    # words of plan or result say which figure, not whose: a targets sentence whose grain target has no figure
    text = "主要预期目标是：地区生产总值增长5.5%以上，全员劳动生产率16.8万元/人左右；粮食产量完成国家下达目标任务。"
    assert subject_words(("粮食产量", "目标"), text) == ("粮食产量",)
    assert not holds_answer_kind(Asks.AMOUNT, text, None, subject_words(("粮食产量", "目标"), text))
    # the subject may follow its counter; and a subject only in the headings binds every figure
    text = "新增授权点65个，80个学科进入ESI前1%。"
    assert _texts_in(Asks.COUNT, text, "个") == ["65个", "80个"]
    assert [text[s.start : s.end] for s in bound_spans(text, answer_spans(Asks.COUNT, text, "个"), ("学科",))] == ["80个"]
    assert holds_answer_kind(Asks.COUNT, text, "个", subject_words(("高校",), text))
    # a cap continues the figure before it; a rule's sentence opening with whom it is for binds all its figures
    text = "支持企业开展人才培训，按照培训费用的50%给予补贴，单个企业每年不超过10万元。"
    assert holds_answer_kind(Asks.AMOUNT, text, "元", subject_words(("人才", "培训"), text))
    text = "第五条 对企业在境外租赁公共海外仓，按照实际租金的30%给予补助，单个企业每年补助不超过100万元。"
    assert holds_answer_kind(Asks.AMOUNT, text, "元", subject_words(("海外", "仓"), text))
    assert not holds_answer_kind(Asks.AMOUNT, "推进海外仓建设，新建厂房3万平方米，投资5亿元。", "元", ("海外", "仓"))


def test_ordinals_and_levels():
    assert _texts_in(Asks.AMOUNT, "第三产业：完成额（万元） 7670688", None) == ["7670688"]  # 「第三产业」 is no figure
    assert "二级" in _texts_in(Asks.AMOUNT, "应急响应提升至二级", None)
    assert not holds_answer_kind(Asks.COUNT, "第二条 本条例适用于本省。", "条")  # an article's number


def test_an_amount_asked_without_a_change_is_no_rate():
    text = "“新三样”出口增长23.8%，对东盟进出口增长13.8%。"
    assert not holds_answer_kind(Asks.AMOUNT, text, changes=False)  # 「进出口总额多少」
    assert holds_answer_kind(Asks.AMOUNT, text, changes=True)  # 「进出口增长目标是多少」
    assert _texts_in(Asks.AMOUNT, "进出口总额5200亿元，增长3%。", None) == ["5200亿元", "3%"]


def test_money_is_any_currency_and_a_total_continues_its_count():
    text = "推介项目161个，达成贷款意向171.53亿元，引进外资2.5亿美元。"
    assert _texts_in(Asks.AMOUNT, text, "元") == ["171.53亿元", "2.5亿美元"]
    text = "“签约一批”项目127个，总投资531.55亿元。"
    assert holds_answer_kind(Asks.AMOUNT, text, "元", ("项目",))  # 「总投资」 is the projects'


def test_a_body_is_named_not_a_verb_before_a_kind_of_body():
    def bodies(text):
        return [text[s.start : s.end] for s in answer_spans(Asks.WHO, text)]

    assert bodies("纽顿集团亦发表声明称，加速公司在电动汽车领域的发展") == ["纽顿集团"]  # 「加速公司」 names none
    assert bodies("市政府要求各部门抓好落实") == ["市政府"]  # 「各部门」 is a kind of body, not a name
    assert bodies("该公司表示") == []
    # jieba tags common words as names now and then (「洪水」 nr); a common word of its dictionary is no person
    assert bodies("启动洪水防御应急响应") == [] and bodies("王霜点射破门") == ["王霜"]


def test_a_deadline_or_a_day_is_a_date_with_its_day():
    assert profile_question("申报截止到什么时候？").unit == "日"
    assert profile_question("这个办法什么时候施行？").unit == "时"  # a time (a year may do), not a length of time
    text = "现就组织申报2024年度专项资金有关事项通知如下，企业于2024年6月30日前提交申报材料。"
    assert [text[s.start : s.end] for s in answer_spans(Asks.DATE, text, "日")] == ["2024年6月30日前"]
    assert not holds_answer_kind(Asks.DATE, "现就组织申报2024年度专项资金有关事项通知如下。", "日")
