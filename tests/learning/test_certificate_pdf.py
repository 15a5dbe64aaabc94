"""The certificate PDF: what it prints, how it looks on paper, and what it never fetches."""

import datetime
import io
import re

import pytest
import segno
from django.core.files.images import ImageFile
from django.urls import reverse
from django.utils import timezone
from fontTools.ttLib import TTFont
from PIL import Image as PILImage
from pypdf import PdfReader
from pypdf.generic import ContentStream

from home import roles
from learning import certificates_pdf
from learning.certificates_pdf import (
    FONTS_DIR,
    CertificateBranding,
    PDFFetchRefused,
    certificate_branding,
    certificate_url_fetcher,
    image_data_uri,
    render_certificate_pdf,
)
from learning.models import Certificate
from learning.services.certificates import certificate_verify_url
from tests.modules import make_course

pytestmark = pytest.mark.django_db

A4_LANDSCAPE = (842, 595)  # points, rounded


@pytest.fixture(autouse=True)
def _forget_images():
    # image ids are reused between tests (rolled back): start each with no cached image
    certificates_pdf.forget_images()
    yield
    certificates_pdf.forget_images()


@pytest.fixture
def course(db):
    return make_course()


@pytest.fixture
def certificate(learner, course):
    return Certificate.objects.create(
        user=learner,
        course=course,
        learner_name="Ada Lovelace",
        course_title="Everyone's day job",
        issued_at=timezone.make_aware(datetime.datetime(2031, 3, 3, 10, 0)),
        expires_on=datetime.date(2032, 3, 3),
    )


def pdf_of(client, user, certificate) -> PdfReader:
    client.force_login(user)
    response = client.get(reverse("learning:certificate_pdf", args=[certificate.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def png(colour, size=(400, 120), mode="RGBA") -> bytes:
    out = io.BytesIO()
    PILImage.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


def wagtail_image(title, data, name):
    from wagtail.images import get_image_model

    return get_image_model().objects.create(
        title=title, file=ImageFile(io.BytesIO(data), name=name)
    )


def qr_modules_drawn(reader: PdfReader) -> set[tuple[int, int]]:
    """The dark modules of the QR code as drawn: WeasyPrint draws the SVG's path as one
    horizontal line per run of dark modules, at half-module heights, in module units."""
    page = reader.pages[0]
    dark, start = set(), None
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"m":
            start = tuple(float(v) for v in operands)
        elif operator == b"l" and start is not None:
            (x0, y0), (x1, y1) = start, tuple(float(v) for v in operands)
            if y0 == y1 and (y0 - 0.5).is_integer() and x0.is_integer() and x1.is_integer():
                dark.update((int(y0 - 0.5), x) for x in range(int(x0), int(x1)))
            start = None
    return dark


def images_in(reader: PdfReader) -> list:
    """Every raster image on the page, also inside form XObjects (CSS backgrounds)."""
    found, pending = [], [reader.pages[0]["/Resources"]]
    while pending:
        xobjects = pending.pop().get_object().get("/XObject", {})
        for xobject in xobjects.values():
            xobject = xobject.get_object()
            if xobject["/Subtype"] == "/Image":
                found.append(xobject)
            elif "/Resources" in xobject:
                pending.append(xobject["/Resources"])
    return found


def glyph_mismatches(reader: PdfReader) -> list[str]:
    """Letters whose glyph in an embedded font is not that letter's glyph.

    For each font: its ToUnicode map says which character each glyph stands for; the embedded
    font's own cmap says which glyph draws that character. They must agree, or the text reads
    right but prints wrong (two font files merged under one name do that).
    """
    problems = []
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for name, ref in fonts.items():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        assert descendant.get("/CIDToGIDMap") == "/Identity"
        data = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
        embedded = TTFont(io.BytesIO(data))
        order, cmap = embedded.getGlyphOrder(), embedded.getBestCmap()
        to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        pairs = re.findall(r"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]{4})>", to_unicode)
        assert pairs, f"no character map in font {name}"
        for gid, code in ((int(g, 16), int(c, 16)) for g, c in pairs):
            if gid and cmap.get(code) != order[gid]:  # glyph 0 is .notdef, for no letter
                problems.append(f"{name}: {chr(code)!r} drawn with glyph {order[gid]!r}")
    return problems


def test_the_learner_downloads_a_pdf_that_says_who_completed_what(client, learner, certificate):
    reader = pdf_of(client, learner, certificate)
    text = text_of(reader)

    assert len(reader.pages) == 1
    assert "Ada Lovelace" in text
    assert "Everyone's day job" in text
    assert "CERTIFICATEOFCOMPLETION" in text.replace(" ", "")  # letter-spaced capitals
    assert certificate.code in text
    assert certificate_verify_url(certificate) in text
    assert certificate_verify_url(certificate) == (f"http://testserver/verify/{certificate.code}/")
    assert "3 March 2031" in text  # issued
    assert "Valid until" in text.title() or "VALID UNTIL" in text


def test_the_page_is_a4_landscape(client, learner, certificate):
    page = pdf_of(client, learner, certificate).pages[0]
    size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
    assert size == A4_LANDSCAPE


def test_the_document_metadata_names_the_certificate_and_the_organisation(certificate):
    branding = CertificateBranding(organisation_name="Northwind Motors")
    reader = PdfReader(io.BytesIO(render_certificate_pdf(certificate, branding=branding)))

    meta = reader.metadata
    assert meta.title == "Certificate of completion: Everyone's day job, Ada Lovelace"
    assert meta.author == "Northwind Motors"
    assert "Ada Lovelace completed Everyone's day job on 3 March 2031" in meta.subject
    assert certificate.code in meta["/Keywords"]


def test_the_qr_code_on_the_page_encodes_the_verification_url(certificate):
    reader = PdfReader(io.BytesIO(render_certificate_pdf(certificate, branding=None)))

    expected = segno.make(certificate_verify_url(certificate), error="m")
    wanted = {
        (row, column)
        for row, line in enumerate(expected.matrix)
        for column, module in enumerate(line)
        if module
    }
    drawn = qr_modules_drawn(reader)
    assert len(wanted) > 300  # a real symbol, not a stray line
    assert drawn == wanted


def test_the_last_valid_day_is_printed_and_a_certificate_without_expiry_says_so(learner, course):
    expiring = Certificate.objects.create(
        user=learner,
        course=course,
        learner_name="Ada Lovelace",
        course_title="Everyone's day job",
        expires_on=datetime.date(2032, 3, 3),  # the first day it is no longer valid
    )
    forever = Certificate.objects.create(
        user=learner, course=course, learner_name="Ada Lovelace", course_title="Everyone's day job"
    )

    expiring_text = text_of(PdfReader(io.BytesIO(render_certificate_pdf(expiring))))
    forever_text = text_of(PdfReader(io.BytesIO(render_certificate_pdf(forever))))

    assert "2 March 2032" in expiring_text
    assert "3 March 2032" not in expiring_text
    assert "Does not expire" in forever_text
    assert "VALID UNTIL" not in forever_text


def test_hr_prints_a_revoked_certificate_marked_revoked(client, make_user, with_mfa, certificate):
    hr = make_user(roles.HR)
    with_mfa(hr)
    certificate.revoked_at = timezone.make_aware(datetime.datetime(2031, 6, 1, 9, 0))
    certificate.revoked_reason = "Issued in error"
    certificate.save()

    text = text_of(pdf_of(client, hr, certificate))

    assert "REVOKED on 1 June 2031" in text
    assert "Ada Lovelace" in text


def test_a_valid_certificate_is_not_marked_revoked(certificate):
    text = text_of(PdfReader(io.BytesIO(render_certificate_pdf(certificate))))
    assert "REVOKED" not in text


def test_the_branding_hr_set_is_printed(client, learner, certificate):
    from home.models import BrandingSettings

    settings = BrandingSettings.load()
    settings.organisation_name = "Contoso Cars"
    settings.signatory_name = "Grace Okafor"
    settings.signatory_title = "Head of Customer Care"
    settings.accent_colour = "#7a1f5c"
    settings.logo = wagtail_image("Logo", png((20, 60, 140, 255)), "logo.png")
    settings.signature = wagtail_image("Signature", png((0, 0, 0, 0)), "signature.png")
    settings.save()

    reader = pdf_of(client, learner, certificate)
    text = text_of(reader)

    assert "CONTOSO CARS" in text  # printed in capitals
    assert "Grace Okafor" in text
    assert "Head of Customer Care" in text
    assert reader.metadata.author == "Contoso Cars"
    images = images_in(reader)
    assert sorted(image["/Width"] for image in images) == [400, 400]  # logo and signature
    assert all(image["/Filter"] == "/DCTDecode" for image in images)  # embedded as JPEG
    accent = (0x7A / 255, 0x1F / 255, 0x5C / 255)
    colours = {
        tuple(round(float(v), 3) for v in operands)
        for operands, operator in ContentStream(reader.pages[0].get_contents(), reader).operations
        if operator == b"rg"
    }
    assert tuple(round(v, 3) for v in accent) in colours


def test_a_name_beyond_latin_1_prints_with_the_right_letters(learner, course):
    certificate = Certificate.objects.create(
        user=learner,
        course=course,
        learner_name="Zoë Łukasiewicz-Ørsted",
        course_title="Šťastný zákazník",
    )

    reader = PdfReader(io.BytesIO(render_certificate_pdf(certificate)))

    text = text_of(reader)
    assert "Zoë Łukasiewicz-Ørsted" in text
    assert "Šťastný zákazník" in text
    assert glyph_mismatches(reader) == []
    fonts = [
        font.get_object()["/BaseFont"] for font in reader.pages[0]["/Resources"]["/Font"].values()
    ]
    assert all("+Source-" in font for font in fonts), fonts  # the shipped fonts, no fallback


def test_a_hostile_name_is_printed_as_text(learner, course):
    certificate = Certificate.objects.create(
        user=learner,
        course=course,
        learner_name="<script>alert(1)</script>",
        course_title='<img src="http://evil.example/x.png"> & co',
    )

    reader = PdfReader(io.BytesIO(render_certificate_pdf(certificate)))

    text = text_of(reader)
    assert "<script>alert(1)</script>" in text
    assert '<img src="http://evil.example/x.png"> & co' in text
    assert images_in(reader) == []  # nothing was fetched


def test_the_longest_names_still_fit_on_one_page(learner, course):
    certificate = Certificate.objects.create(
        user=learner,
        course=course,
        learner_name="Maximilian " * 18,  # 198 characters: the field holds 200
        course_title="Handling a complaint about a returned car " * 5,  # 215 of 255
    )

    reader = PdfReader(io.BytesIO(render_certificate_pdf(certificate)))

    assert len(reader.pages) == 1
    assert certificate.code in text_of(reader)


def test_rendering_reads_the_branding_in_a_constant_number_of_queries(
    certificate, django_assert_max_num_queries
):
    from home.models import BrandingSettings

    settings = BrandingSettings.load()
    settings.logo = wagtail_image("Logo", png((20, 60, 140, 255)), "logo.png")
    settings.save()
    render_certificate_pdf(certificate)

    with django_assert_max_num_queries(2):  # the settings row, its images
        render_certificate_pdf(certificate)


def test_an_image_is_read_once_and_again_when_hr_replaces_its_file():
    image = wagtail_image("Logo", png((200, 0, 0, 255)), "logo.png")

    first = image_data_uri(image)
    assert first.startswith("data:image/jpeg;base64,")
    assert image_data_uri(image) is first  # kept, not read again

    image.file = ImageFile(io.BytesIO(png((0, 0, 200, 255))), name="logo-new.png")
    image.save()

    assert image_data_uri(image) != first


def test_certificate_branding_reads_what_hr_set():
    from home.models import BrandingSettings

    settings = BrandingSettings.load()
    settings.organisation_name = "Contoso Cars"
    settings.signatory_name = "Grace Okafor"
    settings.accent_colour = "#7A1F5C"
    settings.save()

    branding = certificate_branding()

    assert branding.organisation_name == "Contoso Cars"
    assert branding.signatory_name == "Grace Okafor"
    assert branding.accent_colour == "#7A1F5C"
    assert branding.logo is None and branding.signature is None


def test_the_url_fetcher_refuses_the_network_and_files_outside_the_fonts():
    fetch = certificate_url_fetcher()

    for url in (
        "http://example.com/logo.png",
        "https://example.com/font.woff2",
        "ftp://example.com/x",
        "file:///etc/passwd",
        (FONTS_DIR / ".." / "certificates_pdf.py").as_uri(),
        (FONTS_DIR / "OFL.txt").parent.parent.joinpath("models").as_uri(),
    ):
        with pytest.raises(PDFFetchRefused):
            fetch(url)


def test_the_url_fetcher_serves_the_shipped_fonts_and_data_urls():
    fetch = certificate_url_fetcher()

    font = fetch((FONTS_DIR / "source-sans-3-latin-400-normal.ttf").as_uri())
    assert font.read()[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    assert fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_renders_from_several_threads_at_once_each_come_out_whole(learner, course):
    from concurrent.futures import ThreadPoolExecutor

    branding = CertificateBranding(organisation_name="Northwind Motors")
    certificates = [
        Certificate.objects.create(
            user=learner, course=course, learner_name=name, course_title="Everyone's day job"
        )
        for name in ("Ada Lovelace", "Grace Hopper", "Zoë Łukasiewicz", "Alan Turing")
    ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(lambda c: render_certificate_pdf(c, branding=branding), certificates))

    for certificate, pdf in zip(certificates, pdfs, strict=True):
        text = text_of(PdfReader(io.BytesIO(pdf)))
        assert certificate.learner_name in text
        assert certificate.code in text
