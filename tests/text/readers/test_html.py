"""The HTML reader on pages shaped like a government CMS's: boilerplate dropped, the metadata table written
first, the body whole and in order, tables as sentences; charsets declared, misdeclared and undeclared."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_qa.errors import UnreadableFileError
from policy_qa.text.readers import read_file
from policy_qa.text.readers.html import read_html
from policy_qa.text.repair import repair_text

PAGE = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>某省人民政府关于促进经济稳定增长的通知_政府文件_某省人民政府门户网站</title>
<script>var nav = "首页";</script>
</head><body>
<div class="top"><a href="/">首页</a> | <a href="/zw">政务公开</a> | <a href="/fw">政务服务</a> | <a href="/hd">互动交流</a></div>
<div class="nav"><ul><li><a href="/">网站首页</a></li><li><a href="/zx">政务资讯</a></li><li><a href="/xxgk">信息公开</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk">信息公开</a> &gt; <a href="/zfwj">政府文件</a></div>
<div class="xxgk-meta"><table class="meta">
<tr><td>索 引 号：</td><td>11140000012345678X/2023-00123</td><td>主题分类：</td><td>综合政务</td></tr>
<tr><td>发文机关：</td><td>某省人民政府</td><td>成文日期：</td><td>2023年07月20日</td></tr>
<tr><td>标　　题：</td><td colspan="3">某省人民政府关于促进经济稳定增长的通知</td></tr>
<tr><td>发文字号：</td><td>某政发〔2023〕12号</td><td>发布日期：</td><td>2023年07月28日</td></tr>
</table></div>
<div class="article">
<h1>某省人民政府关于促进经济稳定增长的通知</h1>
<div class="info">发布时间：2023-07-28 10:00 来源：省政府办公厅 <a href="#">【字体：大 中 小】</a> <a href="#">打印</a></div>
<div class="TRS_Editor" id="zoom">
<p>各市、县人民政府，省人民政府各委、厅，各直属机构：</p>
<p>为深入贯彻落实党中央、国务院决策部署，推动全省经济运行持续回升向好，现就有关事项通知如下。</p>
<p><strong>一、扩大有效投资</strong></p>
<p>加快推进重大项目建设，全年完成固定资产投资增长8%以上。各地要建立重点项目清单，逐月调度推进。</p>
<p><strong>二、促进消费恢复</strong></p>
<p>开展促消费系列活动，稳定汽车、家电等大宗消费，由王喆同志牵头。主要指标见下表。</p>
<table border="1">
<tr><th>指标</th><th>2023年</th><th>增长</th></tr>
<tr><td>地区生产总值</td><td>15.7万亿元</td><td>6.4%</td></tr>
<tr><td>社会消费品零售总额</td><td>6.1万亿元</td><td>7.2%</td></tr>
</table>
<p>分地区情况如下。</p>
<table border="1">
<tr><th>地区</th><th>季度</th><th>增长</th></tr>
<tr><td rowspan="2">北区</td><td>一季度</td><td>5.0%</td></tr>
<tr><td>二季度</td><td>5.5%</td></tr>
</table>
<p><strong>三、加强组织保障</strong></p>
<p>各地各部门要压实责任，确保各项措施落地见效。<br>本通知自印发之日起施行。</p>
<p style="text-align:right">某省人民政府</p>
<p style="text-align:right">2023年7月20日</p>
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="pagenav"><p>上一篇：<a href="/a1.html">某省人民政府关于印发某某方案的通知</a></p>
<p>下一篇：<a href="/a2.html">某省人民政府办公厅关于某某工作的意见</a></p></div>
<div class="close"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="footer">
<p>主办：某省人民政府办公厅 承办：某省政务信息中心</p>
<p>版权所有：某省人民政府 网站标识码：1400000001 晋ICP备05001234号</p>
</div>
</body></html>
"""
# What read_html must give for PAGE, line by line: the title and metadata first, then the body.
PAGE_LINES = [
    "标题：某省人民政府关于促进经济稳定增长的通知",
    "索引号：11140000012345678X/2023-00123",
    "发文机关：某省人民政府",
    "成文日期：2023年07月20日",
    "发文字号：某政发〔2023〕12号",
    "发布日期：2023年07月28日",
    "各市、县人民政府，省人民政府各委、厅，各直属机构：",
    "为深入贯彻落实党中央、国务院决策部署，推动全省经济运行持续回升向好，现就有关事项通知如下。",
    "一、扩大有效投资",
    "加快推进重大项目建设，全年完成固定资产投资增长8%以上。各地要建立重点项目清单，逐月调度推进。",
    "二、促进消费恢复",
    "开展促消费系列活动，稳定汽车、家电等大宗消费，由王喆同志牵头。主要指标见下表。",
    "指标：地区生产总值；2023年：15.7万亿元；增长：6.4%。",
    "指标：社会消费品零售总额；2023年：6.1万亿元；增长：7.2%。",
    "分地区情况如下。",
    "地区：北区；季度：一季度；增长：5.0%。",
    "地区：北区；季度：二季度；增长：5.5%。",
    "三、加强组织保障",
    "各地各部门要压实责任，确保各项措施落地见效。",
    "本通知自印发之日起施行。",
    "某省人民政府",
    "2023年7月20日",
]
BOILERPLATE = ("首页", "政务公开", "当前位置", "上一篇", "下一篇", "分享到", "微信", "打印", "关闭窗口", "版权所有",
               "网站标识码", "ICP备", "主办", "字体", "主题分类")


def lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


def test_gov_page_in_gbk_declared_gb2312(tmp_path: Path) -> None:
    """The usual gov page: declared GB2312, holding a GBK-only character (喆), read as GB18030."""
    path = tmp_path / "通知.html"
    path.write_bytes(PAGE.format(charset="gb2312").encode("gbk"))
    read = read_html(path)
    assert lines(read.text) == PAGE_LINES
    assert read.form == "html" and read.line_pages == ()
    assert not [word for word in BOILERPLATE if word in read.text]


def test_every_line_stays_a_paragraph_after_repair(tmp_path: Path) -> None:
    path = tmp_path / "通知.htm"
    path.write_bytes(PAGE.format(charset="gb2312").encode("gb18030"))
    repaired, _ = repair_text(read_file(path).text)
    assert repaired.split("\n") == PAGE_LINES


def test_utf8_page_without_charset(tmp_path: Path) -> None:
    page = PAGE.replace('<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n', "")
    path = tmp_path / "通知.shtml"
    path.write_bytes(page.encode("utf-8"))
    assert "charset" not in page
    assert lines(read_html(path).text) == PAGE_LINES


def test_misdeclared_charset_falls_back_to_detection(tmp_path: Path) -> None:
    """Declared UTF-8, written in GB18030: the declaration does not read the bytes, detection does."""
    path = tmp_path / "通知.html"
    path.write_bytes(PAGE.format(charset="utf-8").encode("gb18030"))
    assert lines(read_html(path).text) == PAGE_LINES


def test_page_without_metadata_table_gets_its_title(tmp_path: Path) -> None:
    page = """<html><head><meta charset="utf-8"><title>关于做好防汛工作的通知_某县人民政府</title></head><body>
<div class="nav"><a href="/">首页</a><a href="/news">新闻</a><a href="/gk">公开</a></div>
<div class="article"><p>各乡镇：当前已进入主汛期，请各地切实做好防汛准备工作，确保安全度汛。</p><p>特此通知。</p></div>
<div class="footer">版权所有：某县人民政府</div></body></html>"""
    path = tmp_path / "防汛.html"
    path.write_text(page, encoding="utf-8")
    found = lines(read_html(path).text)
    assert found[1:] == ["各乡镇：当前已进入主汛期，请各地切实做好防汛准备工作，确保安全度汛。", "特此通知。"]
    assert found[0].startswith("关于做好防汛工作的通知")


def test_page_without_body(tmp_path: Path) -> None:
    path = tmp_path / "空.html"
    path.write_text(
        '<html><head><meta charset="utf-8"><title>某省人民政府</title></head><body>'
        '<div class="nav"><a href="/">首页</a><a href="/news">新闻</a></div></body></html>',
        encoding="utf-8",
    )
    with pytest.raises(UnreadableFileError, match="没有正文"):
        read_html(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "空.html"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFileError):
        read_html(path)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "图片.html"
    path.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(UnreadableFileError):
        read_html(path)


def test_metadata_table_inside_the_article(tmp_path: Path) -> None:
    """trafilatura keeps a metadata table it finds in the article: it is written once, first; a table that lists
    documents under 发文字号 and 发布日期 headers is body."""
    page = PAGE.format(charset="utf-8")
    start, end = page.index('<div class="xxgk-meta">'), page.index("</table></div>") + len("</table></div>")
    meta = page[start:end]
    page = page[:start] + page[end:]
    page = page.replace('<div class="TRS_Editor" id="zoom">', '<div class="TRS_Editor" id="zoom">' + meta)
    page = page.replace("<p>分地区情况如下。</p>", "<p>废止以下文件。</p><table border=\"1\"><tr><td>文件名称</td>"
                        "<td>发文字号</td><td>发布日期</td></tr><tr><td>某省促进消费的若干措施</td>"
                        "<td>某政发〔2020〕3号</td><td>2020年3月1日</td></tr></table><p>分地区情况如下。</p>")
    path = tmp_path / "通知.html"
    path.write_text(page, encoding="utf-8")
    listing = ["废止以下文件。", "文件名称：某省促进消费的若干措施；发文字号：某政发〔2020〕3号；发布日期：2020年3月1日。"]
    k = PAGE_LINES.index("分地区情况如下。")
    assert lines(read_html(path).text) == PAGE_LINES[:k] + listing + PAGE_LINES[k:]



NOTICES_2 = Path(__file__).resolve().parents[3] / "eval" / "corpora" / "notices-2"


def test_directory_of_departments_is_dropped_and_the_body_kept() -> None:
    """A real city page whose footer lists the city's 46 departments (「· 市委组织部」, most of them links) inside the
    part trafilatura keeps: the list is page furniture; the body's last line and its own lists stay."""
    text = read_html(next(NOTICES_2.glob("广州市失业保险常见问题解答*.html"))).text
    assert text.rstrip().endswith("3.可通过www.12333.gov.cn全国人社政务服务平台在线申请。")
    assert "（三）已经办理失业登记，并有求职要求的。" in text
    assert not [name for name in ("市委组织部", "市教育局", "市林业园林局") if name in text]
