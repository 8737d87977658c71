from policy_qa.text.figures import find_figures, numbers_of


def _keys(text):
    return [f"{f.number}{f.scale}{f.unit}" for f in find_figures(text)]


def test_figure_keeps_scale_and_unit():
    assert _keys("建成标准化厂房37.9万平方米，已使用29.9万平方米") == ["37.9万平方米", "29.9万平方米"]


def test_percent_money_and_counts():
    text = "总投资358.77亿元，其中亿元以上项目68个，占比97.7%，高于全市增速14.9个百分点"
    assert _keys(text) == ["358.77亿元", "68个", "97.7%", "14.9个百分点"]


def test_years_are_told_apart_from_amounts():
    figures = find_figures("2023年召开指标调度会13次")
    assert [f.is_year for f in figures] == [True, False]
    assert numbers_of("2023年召开指标调度会13次") == {"13"}
    assert numbers_of("2023年召开指标调度会13次", include_years=True) == {"2023", "13"}


def test_bare_number_has_empty_unit_and_offsets_point_at_it():
    text = "目标1000以上"
    (figure,) = find_figures(text)
    assert (figure.unit, text[figure.start : figure.end]) == ("", "1000")
