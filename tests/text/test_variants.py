"""Traditional characters matched as simplified, quoted as written."""

import opencc
import pytest

from policy_qa import PolicyQA
from policy_qa.text.variants import fold_variants
from tests.conftest import CORPUS, DOCUMENT


def test_fold_keeps_length_and_leaves_simplified_text_alone():
    simplified = (CORPUS / DOCUMENT).read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t").convert(simplified)
    assert traditional != simplified
    assert fold_variants(traditional) == simplified
    assert fold_variants(simplified) is simplified
    assert fold_variants("第十二條 本辦法自發布之日起施行。") == "第十二条 本办法自发布之日起施行。"


@pytest.fixture(scope="module")
def traditional_qa(tmp_path_factory):
    """The seed bulletin in traditional characters (OpenCC s2t), saved as Big5 as a Taiwan or Hong Kong office would."""
    folder = tmp_path_factory.mktemp("traditional")
    corpus = folder / "corpus"
    corpus.mkdir()
    text = opencc.OpenCC("s2t").convert((CORPUS / DOCUMENT).read_text(encoding="utf-8"))
    (corpus / "臨汾晉城開發區2023年工作情況.txt").write_bytes(text.encode("big5", errors="replace"))
    return PolicyQA.from_corpus(corpus, index_dir=folder / "index")


def test_a_traditional_document_answers_a_simplified_question_and_is_quoted_as_written(traditional_qa):
    answer = traditional_qa.ask("临汾标准化厂房建了多少？")
    assert not answer.refused and "37.9万平方米" in answer.text
    quote = answer.citations[0].quote
    assert "標準化廠房37.9萬平方米" in quote
    view = traditional_qa.source_view(answer.citations[0])
    assert view.parts[1] == quote


def test_a_question_in_traditional_characters_is_answered_from_simplified_text(qa):
    answer = qa.ask("臨汾標準化廠房建了多少？")
    assert not answer.refused and "37.9万平方米" in answer.text
