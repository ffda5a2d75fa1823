"""Markup of the sandbox's pages, written in the shapes the real engines serve.

The results page follows Google Images: `div.isv-r` result cells whose link is
`/imgres?imgurl=...&imgrefurl=...`, thumbnails lazy-loaded from `data-src`, the first batch's
URLs also embedded as script data (`["thumb",h,w],["full",h,w]`), more batches fetched by
script when the reader nears the bottom, and an `input.mye4qd` "Show more results" button
every few batches. Block pages imitate Google's captcha, consent and "enable JavaScript"
interstitials closely enough for the google engine's detector.
"""
from __future__ import annotations

import json
from html import escape
from urllib.parse import quote, quote_plus

from .plan import Entry

PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="


def cell(e: Entry, host: str) -> dict:
    """One result as the batch endpoint returns it (the script renders it like the server)."""
    return {"rank": e.rank, "img": host + e.path, "thumb": host + e.thumb_path,
            "src": host + e.site_path, "title": e.title}


def cell_html(c: dict, w: int, h: int) -> str:
    href = (f"/imgres?imgurl={quote(c['img'], safe='')}&imgrefurl={quote(c['src'], safe='')}"
            f"&w={w}&h={h}")
    t = escape(c["title"])
    return (f'<div class="isv-r" data-ri="{c["rank"]}"><a class="wXeWr islib" href="{escape(href)}">'
            f'<img class="rg_i" alt="{t}" data-src="{escape(c["thumb"])}" src="{PLACEHOLDER}"></a>'
            f'<a class="VFACy" href="{escape(c["src"])}">{t}</a></div>')


SCRIPT = """
(function () {
  var q = %(q)s, total = %(total)d, batch = %(batch)d, perMore = %(per_more)d;
  var loaded = 1, busy = false, waitButton = false;
  var grid = document.getElementById('islrg'), more = document.getElementById('smb');
  var end = document.getElementById('end');
  var io = new IntersectionObserver(function (es) {
    es.forEach(function (e) {
      if (e.isIntersecting) { var i = e.target; i.src = i.dataset.src; i.removeAttribute('data-src'); io.unobserve(i); }
    });
  });
  function watch() { grid.querySelectorAll('img[data-src]').forEach(function (i) { io.observe(i); }); }
  function cell(c) {
    var d = document.createElement('div'); d.className = 'isv-r'; d.dataset.ri = c.rank;
    var a = document.createElement('a'); a.className = 'wXeWr islib';
    a.href = '/imgres?imgurl=' + encodeURIComponent(c.img) + '&imgrefurl=' + encodeURIComponent(c.src)
      + '&w=' + c.w + '&h=' + c.h;
    var im = document.createElement('img'); im.className = 'rg_i'; im.alt = c.title;
    im.dataset.src = c.thumb; im.src = %(placeholder)s; a.appendChild(im); d.appendChild(a);
    var t = document.createElement('a'); t.className = 'VFACy'; t.href = c.src; t.textContent = c.title;
    d.appendChild(t); return d;
  }
  function next() {
    if (busy || waitButton || loaded * batch >= total) return;
    busy = true;
    fetch('/sandbox/batch?q=' + encodeURIComponent(q) + '&b=' + loaded).then(function (r) { return r.json(); })
      .then(function (cells) {
        cells.forEach(function (c) { grid.appendChild(cell(c)); });
        loaded += 1; watch();
        if (loaded * batch >= total) { end.style.display = 'block'; }
        else if (loaded %% perMore === 0) { waitButton = true; more.parentNode.style.display = 'block'; }
      }).finally(function () { busy = false; });
  }
  function near() { return window.innerHeight + window.scrollY >= document.body.scrollHeight - 400; }
  window.addEventListener('scroll', function () { if (near()) next(); });
  setInterval(function () { if (near()) next(); }, 300);
  more.addEventListener('click', function () { more.parentNode.style.display = 'none'; waitButton = false; next(); });
  if (total <= batch) end.style.display = 'block';
  watch();
})();
"""

STYLE = (".isv-r{display:inline-block;width:180px;height:230px;margin:6px;vertical-align:top;"
         "overflow:hidden}.rg_i{width:170px;height:170px;object-fit:cover;background:#eee}"
         ".VFACy{display:block;font:12px sans-serif;color:#555}")


def results_page(query: str, cells: list[dict], sizes: list[tuple[int, int]], total: int,
                 batch: int, per_more: int) -> str:
    data = [[1, [0, f"tbn{c['rank']}", [c["thumb"], 160, 160], [c["img"], h, w]]]
            for c, (w, h) in zip(cells, sizes)]
    grid = "".join(cell_html(c, w, h) for c, (w, h) in zip(cells, sizes))
    script = SCRIPT % {"q": json.dumps(query), "total": total, "batch": batch,
                       "per_more": per_more, "placeholder": json.dumps(PLACEHOLDER)}
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{escape(query)} - Google Search</title><style>{STYLE}</style></head><body>
<form action="/search"><input name="q" value="{escape(query)}"><input type="hidden" name="tbm" value="isch"></form>
<div id="islrg">{grid}</div>
<div style="display:none"><input class="mye4qd" id="smb" type="button" value="Show more results"></div>
<div id="end" style="display:none">Looks like you've reached the end</div>
<script>AF_initDataCallback({{key: 'ds:1', data: {json.dumps(data)}}});</script>
<script>{script}</script>
<a href="/search?q={quote_plus(query)}&amp;tbm=isch&amp;start={batch}">Next</a>
</body></html>"""


def block_page(kind: str, query: str) -> str:
    q = escape(query)
    if kind == "consent":
        return (f"<!DOCTYPE html><html><head><title>Before you continue to Google</title></head>"
                f"<body><form action=\"https://consent.google.com/save\" method=\"post\">"
                f"<p>We use cookies and data to deliver our services.</p><input type=\"hidden\" "
                f"name=\"continue\" value=\"/search?q={q}\"><button>Accept all</button></form></body></html>")
    if kind == "enablejs":
        return ("<!DOCTYPE html><html><head><title>Google Search</title></head><body><noscript>"
                "<meta content=\"0;url=/httpservice/retry/enablejs?sei=sandbox\" http-equiv=\"refresh\">"
                "<div>Please click <a href=\"/httpservice/retry/enablejs?sei=sandbox\">here</a> if you "
                "are not redirected within a few seconds.</div></noscript></body></html>")
    return (f"<!DOCTYPE html><html><head><title>/search?q={q}</title></head><body>"
            f"<form id=\"captcha-form\" action=\"index\" method=\"post\"><div class=\"g-recaptcha\" "
            f"data-sitekey=\"sandbox\"></div></form><p>Our systems have detected unusual traffic "
            f"from your computer network. This page checks to see if it's really you sending the "
            f"requests, and not a robot.</p></body></html>")


def source_page(title: str, img: str) -> str:
    return (f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head><body>"
            f"<h1>{escape(title)}</h1><img src=\"{escape(img)}\" alt=\"\"></body></html>")


def bing_page(query: str, cells: list[dict]) -> str:
    """Bing's markup: `a.iusc` anchors whose `m` attribute holds murl/turl/purl JSON."""
    items = "".join(
        f'<li><div class="iuscp"><a class="iusc" href="/images/search?view=detailV2&amp;q='
        f'{quote_plus(query)}" m="{escape(json.dumps({"murl": c["img"], "turl": c["thumb"], "purl": c["src"], "t": c["title"]}))}">'
        f'<img class="mimg" src="{escape(c["thumb"])}" alt="{escape(c["title"])}"></a></div></li>'
        for c in cells)
    return (f"<!DOCTYPE html><html><head><title>{escape(query)} - Search Images</title></head>"
            f"<body><ul class=\"dgControl_list\">{items}</ul></body></html>")
