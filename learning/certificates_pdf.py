"""Certificate PDFs, rendered in-process by WeasyPrint from `learning/certificate_pdf.html`.

Speed. Starting WeasyPrint is the expensive part (fontconfig, the @font-face rules, the
stylesheets), so each process does it once, on its first certificate: one FontConfiguration,
the @font-face rules parsed once against it, the layout stylesheet parsed once per branding
(accent colour, logo, signature: HR changes them rarely), one URL fetcher. Each certificate
then costs its own HTML, layout and PDF writing only. Fonts are the OFL files shipped in
`learning/fonts/`, subset into each PDF by HarfBuzz (Debian's libharfbuzz-subset0; without it
a render costs about ten times more). The logo and signature are read through Django's
storage once per process, keyed by image id and file name (a file HR replaces is read
again), turned into print-size JPEGs and embedded as `data:` URIs in the branding stylesheet,
not in each certificate's HTML. Measured figures: `bench/certificates.py`.

No network, ever. The fetcher serves `data:` URLs and files under `learning/fonts/` only and
raises for anything else (http, https, ftp, other files), so an SVG logo that points at a
remote image, or a URL that found its way into the template, is never fetched.

Thread safety. The FontConfiguration wraps one Pango font map and one fontconfig
configuration, with caches WeasyPrint fills while it lays text out; neither Pango's font map
nor those caches are made for concurrent use, and the stylesheet cache is a plain dict. So
renders in one process take turns (`_Renderer.lock`); under CPython the layout holds the GIL
nearly all the time anyway, so threads (gunicorn `--threads`, the bulk task beside web
requests) lose almost nothing. Throughput comes from processes: each gunicorn worker and task
worker builds its own renderer. It is built lazily and rebuilt if the process id changes, so
a renderer is never shared across a fork (gunicorn `--preload`). The image cache is a dict of
immutable strings, written under its own lock; two threads may read the same image once each.
"""

from __future__ import annotations

import atexit
import base64
import logging
import mimetypes
import os
import re
import shutil
import threading
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_spaces_between_tags
from django.utils.safestring import mark_safe

APP_DIR = Path(__file__).resolve().parent
FONTS_DIR = APP_DIR / "fonts"
STYLESHEET_PATH = APP_DIR / "pdf" / "certificate.css"
TEMPLATE = "learning/certificate_pdf.html"

logger = logging.getLogger(__name__)

DEFAULT_ACCENT = "#0b5394"
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

# (CSS family, weight, file stem): few weights, each in a Latin and a Latin Extended subset.
# The Latin Extended file is a family of its own ("... Ext", listed second in the stylesheet's
# font-family): WeasyPrint names a PDF font after its family and weight, and two files under
# one name would be merged into one embedded font, printing the wrong glyph for "Ł".
FONT_FACES = [
    ("Source Serif 4", 600, "source-serif-4"),
    ("Source Sans 3", 400, "source-sans-3"),
    ("Source Sans 3", 600, "source-sans-3"),
]
# TTF rather than WOFF2: measured, the renderer starts 0.6 s sooner (0.8 s against 1.4 s:
# WeasyPrint decompresses WOFF2 when it loads the @font-face rules) and warm renders take the
# same time (it keeps the decompressed font), for 340 KB in the repository instead of 140 KB.
FONT_FORMAT = "ttf"
UNICODE_RANGES = {
    "latin": (
        "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,"
        "U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD"
    ),
    "latin-ext": (
        "U+0100-02BA,U+02BD-02C5,U+02C7-02CC,U+02CE-02D7,U+02DD-02FF,U+0304,U+0308,U+0329,"
        "U+1D00-1DBF,U+1E00-1E9F,U+1EF2-1EFF,U+2020,U+20A0-20AB,U+20AD-20C4,U+2113,"
        "U+2C60-2C7F,U+A720-A7FF"
    ),
}

# Logo and signature print at most 70 x 18 mm: this many pixels is 300 dpi. They are embedded
# as JPEG flattened on white (the page is white under them): WeasyPrint copies a JPEG into the
# PDF as it is, while a PNG is decoded and compressed again on every render (measured: +8 ms
# a certificate for both opaque, +12 ms with transparency).
IMAGE_MAX_PIXELS = (900, 260)
IMAGE_JPEG_QUALITY = 92
_IMAGE_CACHE_MAX = 32


class PDFFetchRefused(ValueError):
    """The certificate renderer fetches `data:` URLs and the shipped fonts, nothing else."""


def font_face_css(fonts_dir: Path = FONTS_DIR, font_format: str = FONT_FORMAT) -> str:
    """The @font-face rules for the shipped fonts, as `file://` URLs."""
    rules = []
    for family, weight, stem in FONT_FACES:
        for subset, unicode_range in UNICODE_RANGES.items():
            name = family if subset == "latin" else f"{family} Ext"
            url = Path(fonts_dir).resolve() / f"{stem}-{subset}-{weight}-normal.{font_format}"
            rules.append(
                "@font-face {"
                f" font-family: '{name}'; font-style: normal; font-weight: {weight};"
                f' src: url("{url.as_uri()}"); unicode-range: {unicode_range}; }}'
            )
    return "\n".join(rules) + "\n"


def _url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class CertificateURLFetcher(URLFetcher):
        """WeasyPrint's fetcher, limited to `data:` URLs and files under `fonts_dir`."""

        def __init__(self, fonts_dir: Path = FONTS_DIR):
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.fonts_dir = Path(fonts_dir).resolve()

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.is_relative_to(self.fonts_dir) and path.is_file():
                    content_type = mimetypes.guess_type(path.name)[0] or "font/ttf"
                    return URLFetcherResponse(
                        path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
                    )
            raise PDFFetchRefused(f"Certificate PDFs do not fetch {url[:80]!r}.")

    return CertificateURLFetcher


def certificate_url_fetcher(fonts_dir: Path = FONTS_DIR):
    """A WeasyPrint URL fetcher that allows `data:` URLs and files under `fonts_dir` only."""
    return _url_fetcher_class()(fonts_dir)


# The browser defaults a certificate needs, instead of WeasyPrint's full HTML5 user-agent
# stylesheet: every element is matched against every rule of the user-agent stylesheet, and
# with hundreds of rules that cascade was about a fifth of a render (measured: 40 ms of
# layout down to 32). The template uses only these elements and sets everything else itself.
USER_AGENT_CSS = """
html, body, div, p, h1 { display: block; }
head, title, meta, style, link, script { display: none; }
img { display: inline-block; }
"""


def _certificate_html_class(user_agent_stylesheet):
    """weasyprint.HTML with the small user-agent stylesheet above (WeasyPrint 70's hook)."""
    from weasyprint import HTML

    class CertificateHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [user_agent_stylesheet]

    return CertificateHTML


class _Renderer:
    """What every render in this process shares: fonts, stylesheets, fetcher, one lock."""

    MAX_STYLESHEETS = 8  # one per accent colour; HR changes it rarely

    def __init__(self, fonts_dir: Path = FONTS_DIR, font_format: str = FONT_FORMAT):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.fetcher = certificate_url_fetcher(fonts_dir)
        self.font_config = FontConfiguration()
        self.fonts = CSS(
            string=font_face_css(fonts_dir, font_format),
            font_config=self.font_config,
            url_fetcher=self.fetcher,
        )
        self.layout_css = STYLESHEET_PATH.read_text(encoding="utf-8")
        self.stylesheets: dict[tuple, object] = {}
        self.html_class = _certificate_html_class(
            CSS(string=USER_AGENT_CSS, font_config=self.font_config)
        )

    def _stylesheet(self, branding: CertificateBranding):
        """The layout in the organisation's colours, with its logo and signature.

        Images go in the stylesheet, parsed once, rather than in each certificate's HTML,
        where WeasyPrint's HTML parser would read tens of kilobytes of base64 every time.
        """
        from weasyprint import CSS

        accent = _accent(branding)
        key = (accent, branding.logo, branding.signature)
        sheet = self.stylesheets.get(key)
        if sheet is None:
            if len(self.stylesheets) >= self.MAX_STYLESHEETS:
                self.stylesheets.clear()
            css = self.layout_css.replace("var(--accent-line)", _tint(accent, 0.45))
            css = css.replace("var(--accent)", accent)
            for selector, uri in ((".logo", branding.logo), (".signature", branding.signature)):
                if uri:
                    css += f'\n{selector} {{ background-image: url("{uri}"); }}\n'
            sheet = self.stylesheets[key] = CSS(
                string=css, font_config=self.font_config, url_fetcher=self.fetcher
            )
        return sheet

    def write_pdf(self, html: str, branding: CertificateBranding) -> bytes:
        with self.lock:
            document = self.html_class(string=html, base_url=None, url_fetcher=self.fetcher)
            return document.write_pdf(
                stylesheets=[self.fonts, self._stylesheet(branding)],
                font_config=self.font_config,
            )


_renderer_lock = threading.Lock()
_renderer: _Renderer | None = None


@atexit.register
def forget_renderer() -> None:
    """Drop this process's renderer, removing its temporary font folder.

    Run at exit (while the interpreter is whole: at the very end of shutdown the
    FontConfiguration's __del__ fails with a traceback), and by bulk-download pool processes,
    which exit without running atexit hooks."""
    global _renderer
    renderer, _renderer = _renderer, None
    if renderer is not None and renderer.pid == os.getpid():
        # explicitly: the renderer sits in reference cycles, its __del__ may never run
        folder, renderer.font_config._folder = renderer.font_config._folder, None
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def _get_renderer() -> _Renderer:
    global _renderer
    renderer = _renderer
    if renderer is not None and renderer.pid == os.getpid():
        return renderer
    with _renderer_lock:
        if _renderer is None or _renderer.pid != os.getpid():
            if _renderer is not None:
                # Inherited across a fork: its font folder is the parent's, still in use
                # there. Dropping it here must not delete it (FontConfiguration.__del__).
                _renderer.font_config._folder = None
            _renderer = _Renderer()
        return _renderer


def warm_up() -> None:
    """Pay this process's start-up cost now (about a second: fontconfig, fonts, stylesheets,
    the template) rather than on the first certificate someone waits for."""
    from learning.models import Certificate

    sample = Certificate(
        learner_name="Ada Lovelace", course_title="Warm-up", issued_at=timezone.now()
    )
    render_certificate_pdf(sample, branding=CertificateBranding(organisation_name=""))


# Images: data: URIs read through storage once per (image, file), kept for the process.

_image_cache: dict[tuple, str] = {}
_image_cache_lock = threading.Lock()


def _read(file) -> bytes:
    file.open("rb")
    try:
        return file.read()
    finally:
        file.close()


def print_ready_jpeg(data: bytes, max_pixels: tuple[int, int] = IMAGE_MAX_PIXELS) -> bytes:
    """An image as a JPEG no bigger than `max_pixels`, transparency flattened on white."""
    from PIL import Image, ImageOps

    with Image.open(BytesIO(data)) as original:
        image = ImageOps.exif_transpose(original)
        image.thumbnail(max_pixels, Image.Resampling.LANCZOS)
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        else:
            image = image.convert("RGB")
        out = BytesIO()
        image.save(out, "JPEG", quality=IMAGE_JPEG_QUALITY, subsampling=0, optimize=True)
    return out.getvalue()


def image_data_uri(image) -> str | None:
    """A Wagtail image as a `data:` URI: an SVG as it is, others as a print-ready JPEG."""
    from PIL import Image

    if image is None or not image.file:
        return None
    key = (image.pk, image.file.name)
    cached = _image_cache.get(key)
    if cached is not None:
        return cached
    try:
        data = _read(image.file)
        if image.is_svg():
            content_type = "image/svg+xml"
        else:
            data, content_type = print_ready_jpeg(data), "image/jpeg"
    except (OSError, ValueError, Image.DecompressionBombError):
        logger.warning("Certificate image %s could not be read; printing without it", image.pk)
        return None
    uri = f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
    with _image_cache_lock:
        if len(_image_cache) >= _IMAGE_CACHE_MAX:
            _image_cache.clear()
        _image_cache[key] = uri
    return uri


def forget_images() -> None:
    with _image_cache_lock:
        _image_cache.clear()


@dataclass(frozen=True)
class CertificateBranding:
    """What a certificate prints about the organisation; images as `data:` URIs."""

    organisation_name: str
    accent_colour: str = DEFAULT_ACCENT
    signatory_name: str = ""
    signatory_title: str = ""
    logo: str | None = None
    signature: str | None = None


def certificate_branding() -> CertificateBranding:
    """The branding HR set (home.selectors.branding), with its images ready to embed."""
    from wagtail.images import get_image_model

    from home.selectors import branding

    return _with_images(branding(), get_image_model())


def _with_images(source, image_model) -> CertificateBranding:
    ids = [i for i in (source.logo_id, getattr(source, "signature_id", None)) if i]
    images = {image.pk: image for image in image_model.objects.filter(pk__in=ids)} if ids else {}
    return CertificateBranding(
        organisation_name=source.organisation_name or "",
        accent_colour=getattr(source, "accent_colour", "") or DEFAULT_ACCENT,
        signatory_name=getattr(source, "signatory_name", "") or "",
        signatory_title=getattr(source, "signatory_title", "") or "",
        logo=image_data_uri(images.get(source.logo_id)),
        signature=image_data_uri(images.get(getattr(source, "signature_id", None))),
    )


def _as_certificate_branding(branding) -> CertificateBranding:
    if isinstance(branding, CertificateBranding):
        return branding
    from wagtail.images import get_image_model

    return _with_images(branding, get_image_model())  # BrandingSettings or the selector's


def _tint(colour: str, amount: float) -> str:
    """`colour` mixed with white: `amount` 0 is white, 1 the colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = (round(255 - (255 - c) * amount) for c in (r, g, b))
    return "#" + "".join(f"{c:02x}" for c in mix)


def _accent(branding: CertificateBranding) -> str:
    colour = branding.accent_colour or ""
    return colour.lower() if _HEX_COLOUR.match(colour) else DEFAULT_ACCENT


def _size_class(text: str, *limits: int) -> str:
    """ "", "long", "longer" or "longest": a smaller type size the longer the text, so that
    any name and title the fields hold stay on the page."""
    over = sum(len(text) > limit for limit in limits)
    return ("", "long", "longer", "longest")[over]


def qr_svg(url: str) -> str:
    """The URL as a QR code: segno's SVG, for the template to inline (`<svg class="qr">`).

    Inline rather than an `<img>` with a `data:` URI: WeasyPrint then takes the SVG from the
    parsed page instead of reading a few kilobytes of URI-encoded attribute, fetching and
    parsing it again (measured: about 1 ms a certificate). The SVG holds a path of numbers
    (one line per run of dark modules) and a fixed title that segno escapes, so it is safe to
    insert as it is.
    """
    svg = segno.make(url, error="m").svg_inline(
        border=0,
        omitsize=True,
        svgclass="qr",
        lineclass=None,
        title=translation.gettext("QR code of the verification address"),  # escaped by segno
    )
    return mark_safe(svg)  # noqa: S308  # nosec B703 B308 # segno's SVG, title escaped


def certificate_pdf_context(certificate, branding: CertificateBranding) -> dict:
    """What the template prints; plain values."""
    from learning.services.certificates import certificate_verify_url

    verify_url = certificate_verify_url(certificate)
    return {
        "organisation": branding.organisation_name,
        "has_logo": bool(branding.logo),
        "has_signature": bool(branding.signature),
        "signatory_name": branding.signatory_name,
        "signatory_title": branding.signatory_title,
        "learner_name": certificate.learner_name,
        "name_size": _size_class(certificate.learner_name, 30, 42, 56),
        "course_title": certificate.course_title,
        "title_size": _size_class(certificate.course_title, 60, 120),
        "issued_on": certificate.issued_on,
        "issued_at": timezone.localtime(certificate.issued_at),
        "valid_until": certificate.valid_until,
        "code": certificate.code,
        "verify_url": verify_url,
        "qr": qr_svg(verify_url),
        "revoked_on": (
            timezone.localtime(certificate.revoked_at).date() if certificate.revoked_at else None
        ),
        "language": translation.get_language() or "en",
    }


def render_certificate_pdf(certificate, *, branding=None) -> bytes:
    """The certificate as a one-page A4 landscape PDF (a revoked one marked REVOKED).

    `branding`: a CertificateBranding (the bulk task builds it once for every PDF), or any
    object with BrandingSettings' fields; None reads the current one.
    """
    branding = certificate_branding() if branding is None else _as_certificate_branding(branding)
    context = certificate_pdf_context(certificate, branding)
    # whitespace between tags is parsed, styled and laid out too: a few ms a certificate
    html = strip_spaces_between_tags(render_to_string(TEMPLATE, context))
    return _get_renderer().write_pdf(html, branding)
