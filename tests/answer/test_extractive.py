"""The extractive answerer on the real corpus and index: a question about a section as a whole is answered by the
section's opening, quoted and cited from its first sentence."""

from policy_qa.answer.answerability import SECTION_HEADING_SHARE, answered_by_section
from policy_qa.answer.extractive import LIST_CHARS


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
