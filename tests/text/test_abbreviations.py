"""Short and full forms of the terms of official statistics and policy documents."""

from policy_qa.text.abbreviations import forms_in, spellings


def test_each_form_gives_the_others():
    assert spellings("GDP")[0] == "地区生产总值" and spellings("gdp") == spellings("GDP")
    assert "规上" in spellings("规模以上") and spellings("厂房") == ()
    assert spellings("台胞") == ("台湾同胞",) and "民企" in spellings("民营企业")  # how people say a policy's terms
    assert spellings("平米") == ("平方米",) and "医疗保险" in spellings("医保") and spellings("两口子") == ("夫妻",)
    assert "高等教育学校" in spellings("高校") and spellings("货运量")[0] == "货物运输总量"  # a bulletin's terms
    assert spellings("失业金") == ("失业保险金",) and spellings("房贷") == ("住房贷款",)


def test_forms_in_a_question_longest_first_none_inside_another():
    assert forms_in("去年规模以上工业增加值和GDP增长多少") == ["规模以上", "GDP"]
    assert forms_in("国内生产总值是多少") == ["国内生产总值"]  # not also 「生产总值」
