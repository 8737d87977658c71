"""Questions that ask several things: split into one question per part (the topic carried to the later parts), and
the parts' answers joined with their citations numbered on; through the engine on a real index."""

from policy_qa.answer.compound import joined, split_compound
from policy_qa.schema import Citation, Drafted

from ..conftest import engine_over
from .test_extractive import NOTICE


def test_a_question_of_two_kinds_is_asked_part_by_part_with_its_topic():
    assert split_compound("一次性求职补贴给多少，谁能领？") == ["一次性求职补贴给多少？", "一次性求职补贴谁能领？"]
    assert split_compound("这批公租房一共多少套，都在哪？") == ["这批公租房一共多少套？", "这批公租房都在哪？"]
    # a later part that names its own topic keeps it, after the first part's
    assert split_compound("新生儿怎么参保，医保待遇从什么时候开始？")[1] == "新生儿医保待遇从什么时候开始？"


def test_one_question_stays_whole():
    for question in (
        "晋城开发区2024年要引进多少个项目、多少资金？",  # figures only: answered together
        "市里对合作社有啥扶持，财政上给钱吗？",  # a yes-or-no part narrows the other
        "中小企业融资难，条例里有什么支持措施吗",  # one part asks
        "临汾标准化厂房建了多少？",
    ):
        assert split_compound(question) == [question]


def _citation(index: int, quote: str) -> Citation:
    return Citation(index, "通知", "一、支持对象", quote, 0, len(quote), 1)


def test_answers_are_joined_with_citations_numbered_on():
    first = Drafted("补助最高50万元[1]。", False, [_citation(1, "最高不超过50万元。")])
    second = Drafted("营业收入在500万元以上[1]。", False, [_citation(1, "上年度营业收入在500万元以上。")])
    refused = Drafted("资料中没有提及与「X」直接相关的内容。最接近的章节：6.高层次人才。", True, [])
    both = joined([first, second, refused])
    assert both.text == "补助最高50万元[1]。\n营业收入在500万元以上[2]。\n资料中没有提及与「X」直接相关的内容。"
    assert [c.index for c in both.citations] == [1, 2] and not both.refused
    assert joined([first, first]).text == first.text  # the same sentences answer once
    # the same sentence, another part of it shown: 「谁作的」 and 「什么时候作的」 of one title line
    line = _citation(1, "2025年1月20日在某省人民代表大会上省长王某作政府工作报告")
    who = Drafted("某省政府工作报告：王某作政府工作报告[1]。", False, [line])
    when = Drafted("某省政府工作报告：2025年1月20日在某省人民代表大会上[1]。", False, [line])
    assert joined([who, when]).text.split("\n")[1] == "某省政府工作报告：2025年1月20日在某省人民代表大会上[2]。"
    assert joined([refused, refused]).refused


def test_the_engine_answers_each_part_of_a_question(tmp_path):
    qa = engine_over(tmp_path, "通知.txt", NOTICE)
    answer = qa.ask("补助最高多少钱，什么时候申报？")
    assert "50万元" in answer.text and "2024年5月1日至5月31日" in answer.text and not answer.refused
    assert "[2]" in answer.text and len(answer.citations) == 2 and answer.question == "补助最高多少钱，什么时候申报？"
