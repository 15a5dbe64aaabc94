"""Certificate PDFs: one render cold and warm, and an HR bulk download of 1,000, in-process.

Against a throwaway SQLite database (or BENCH_DATABASE_URL if set), with the bench settings
(DEBUG off, tasks run immediately), files in a temporary directory. Creates one course, the
organisation's branding (logo and signature images, as HR would upload them) and
BENCH_CERTS people, each with a certificate (default 1000), then measures:

1. the first render in this process (cold: WeasyPrint, fontconfig and the fonts start up),
2. 60 warm renders as the download view does them (the branding read each time), and 60 as
   the bulk task does them (the branding read once): median and p95 of each, wall clock,
3. HR's bulk download of every certificate (`batch_create(filters={})`, then
   `batch_build`): wall time, the process's peak RSS, its render processes' peak RSS, and
   the peak of all of them together with shared pages counted once (PSS, sampled).

Prints one table; writes bench/results/certificates.json. Not a test: it asserts nothing,
it reports. Targets: at most 60 ms per certificate warm; 1,000 in at most 90 s; peak RSS at
most 500 MB.
"""

import io
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import procs  # bench/procs.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
CERTS = int(os.environ.get("BENCH_CERTS", "1000"))
WARM_RENDERS = 60
TARGETS = "(targets: warm median <= 60 ms; 1,000 in <= 90 s; peak RSS <= 500 MB)"

# fmt: off
FIRST_NAMES = ["Amelia", "Oliver", "Priya", "Mohammed", "Chloë", "Kwame", "Siobhán", "Rhys",
               "Aisha", "Zoë", "Mei", "Łukasz", "Fatima", "Søren", "Zara", "Jakub"]
LAST_NAMES = ["Smith", "Jones", "Patel", "Ó Briain", "Khan", "Taylor", "Okafor", "Nowak",
              "Łukasiewicz-Ørsted", "Chen", "Campbell", "Hussain", "Müller", "Begum"]
# fmt: on


def peak_rss_mb(who=resource.RUSAGE_SELF):
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # KiB on Linux


def current_rss_mb():
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024, 1)


def _pss_kb(pid) -> int:
    """The process's proportional set size: shared pages count once across processes."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:  # the process has just ended
        pass
    return 0


class PeakMemory:
    """Samples, every 50 ms, the memory this process and its render processes hold together.

    Summing each process's peak RSS overstates it: forked processes share the parent's pages
    and each RSS counts them again. PSS shares them out, so the sum is what the machine holds.
    """

    def __init__(self):
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = os.getpid()
        while not self._stop.wait(0.05):
            total = _pss_kb(me) + sum(_pss_kb(child) for child, _ in procs.children(me))
            self.peak_kb = max(self.peak_kb, total)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self):
        return round(self.peak_kb / 1024, 1)


def timings(values_ms):
    ordered = sorted(values_ms)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "min_ms": round(ordered[0], 1),
    }


def png(size, draw):
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def set_up_branding():
    """A logo and a signature as HR uploads them: transparent PNGs, bigger than printed."""
    import math

    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    from home.models import BrandingSettings

    def logo(draw):
        draw.ellipse((20, 20, 300, 300), fill=(11, 83, 148, 255))
        draw.polygon([(100, 240), (160, 80), (220, 240)], fill=(255, 255, 255, 255))
        draw.rectangle((360, 120, 1400, 200), fill=(22, 24, 29, 255))

    def signature(draw):
        points = [(40 + x * 9, 170 + 60 * math.sin(x / 6) * math.cos(x / 17)) for x in range(100)]
        draw.line(points, fill=(20, 30, 80, 255), width=9, joint="curve")

    image_model = get_image_model()
    settings = BrandingSettings.load()
    settings.organisation_name = "Benchmark Motors"
    settings.signatory_name = "Grace Okafor"
    settings.signatory_title = "Head of Customer Care"
    settings.accent_colour = "#0b5394"
    settings.logo = image_model.objects.create(
        title="Logo", file=ImageFile(io.BytesIO(png((1600, 320), logo)), name="logo.png")
    )
    settings.signature = image_model.objects.create(
        title="Signature",
        file=ImageFile(io.BytesIO(png((1000, 320), signature)), name="signature.png"),
    )
    settings.save()


def set_up_certificates(n):
    """One course; n people with a certificate each (bulk inserts: this is not what we time)."""
    import random
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.utils import timezone
    from wagtail.models import Page

    from courses.models import CourseIndexPage, CoursePage
    from learning.models import Certificate

    home = Page.objects.get(depth=2)
    index = home.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    course = index.add_child(
        instance=CoursePage(title="Everyone's day job", slug="everyones-day-job")
    )
    rng = random.Random(2026)  # nosec B311 # repeatable bench data, not a secret
    User = get_user_model()
    User.objects.bulk_create(
        User(
            email=f"person{i:05d}@bench.example",
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            password=UNUSABLE_PASSWORD_PREFIX,
        )
        for i in range(n)
    )
    now = timezone.now()
    Certificate.objects.bulk_create(
        Certificate(
            user=user,
            course=course,
            learner_name=user.get_full_name(),
            course_title=course.title,
            issued_at=now - timedelta(days=i % 300),
            expires_on=(now - timedelta(days=i % 300)).date() + timedelta(days=365),
        )
        for i, user in enumerate(User.objects.order_by("pk"))
    )
    return User.objects.create(email="hr@bench.example", password=UNUSABLE_PASSWORD_PREFIX)


def render_timings():
    from learning.certificates_pdf import certificate_branding, render_certificate_pdf
    from learning.models import Certificate

    certificates = list(Certificate.objects.order_by("pk")[: WARM_RENDERS + 1])
    start = time.perf_counter()
    first = render_certificate_pdf(certificates[0])
    cold_ms = (time.perf_counter() - start) * 1000

    as_view = []
    for certificate in certificates[1:]:
        start = time.perf_counter()
        render_certificate_pdf(certificate)  # branding read each time, as the view does
        as_view.append((time.perf_counter() - start) * 1000)

    branding = certificate_branding()
    as_bulk, cpu = [], []
    for certificate in certificates[1:]:
        start, start_cpu = time.perf_counter(), time.process_time()
        render_certificate_pdf(certificate, branding=branding)
        as_bulk.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return {
        "cold_first_render_ms": round(cold_ms, 1),
        "pdf_bytes": len(first),
        "warm_as_view": timings(as_view),
        "warm_as_bulk": timings(as_bulk),
        "warm_as_bulk_cpu": timings(cpu),
    }


def bulk(hr):
    import learning.services.certificate_batches as batches

    # batch_create queues the build on commit (and the bench runs tasks immediately): time
    # the build on its own by calling it here, as the task would.
    batches._enqueue = lambda batch_id: None
    batch = batches.batch_create(requested_by=hr, filters={})
    rss_before = current_rss_mb()
    start = time.perf_counter()
    with PeakMemory() as memory:
        batch = batches.batch_build(batch_id=batch.pk)
    seconds = time.perf_counter() - start
    return {
        "status": batch.status,
        "error": batch.error,
        "certificates": batch.done,
        "seconds": round(seconds, 1),
        "per_certificate_ms": round(seconds * 1000 / batch.done, 1) if batch.done else None,
        "zip_mb": round(batch.size / 1024 / 1024, 1),
        "rss_before_mb": rss_before,
        "rss_after_mb": current_rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
        # the build's render processes (forked from this one): the largest of them
        "processes": batches.batch_processes(),
        "peak_rss_pool_process_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
        # all of them together, shared pages counted once (sampled every 50 ms)
        "peak_pss_all_mb": memory.peak_mb,
    }


def main():
    tmp = Path(tempfile.mkdtemp(prefix="cx-bench-certificates-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{tmp}/certificates.sqlite3"
    )
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ["DJANGO_STATIC_ROOT"] = str(tmp / "static")
    os.environ["DJANGO_MEDIA_ROOT"] = str(tmp / "media")
    os.environ["DJANGO_PRIVATE_MEDIA_ROOT"] = str(tmp / "private")
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    set_up_branding()
    hr = set_up_certificates(CERTS)
    print(f"{CERTS} certificates set up; peak RSS so far {peak_rss_mb()} MB", flush=True)

    report = {"certificates": CERTS, "targets": TARGETS, **render_timings()}
    try:
        report["bulk"] = bulk(hr)
    except ImportError as exc:  # learning.services.certificate_batches not there yet
        report["bulk"] = {"status": "not run", "error": str(exc)}

    view, warm, cpu = report["warm_as_view"], report["warm_as_bulk"], report["warm_as_bulk_cpu"]
    print(f"{'render':<34} {'median ms':>10} {'p95 ms':>8}")
    print(f"{'cold (first in the process)':<34} {report['cold_first_render_ms']:>10}")
    print(f"{'warm, as the view (branding read)':<34} {view['median_ms']:>10} {view['p95_ms']:>8}")
    print(f"{'warm, as the bulk task':<34} {warm['median_ms']:>10} {warm['p95_ms']:>8}")
    print(f"{'  of which CPU':<34} {cpu['median_ms']:>10} {cpu['p95_ms']:>8}")
    print(f"PDF size: {report['pdf_bytes']} bytes")
    result = report["bulk"]
    if result["status"] == "done":
        all_together = (
            result["peak_rss_mb"] + result["processes"] * result["peak_rss_pool_process_mb"]
        )
        print(
            f"bulk download of {result['certificates']}: {result['seconds']} s "
            f"({result['per_certificate_ms']} ms each), ZIP {result['zip_mb']} MB, "
            f"RSS {result['rss_before_mb']} -> {result['rss_after_mb']} MB, "
            f"peak RSS {result['peak_rss_mb']} MB; {result['processes']} render processes, "
            f"largest peak RSS {result['peak_rss_pool_process_mb']} MB (the sum of peaks, "
            f"shared pages counted in each: {round(all_together)} MB); all processes together "
            f"at their peak, shared pages counted once (PSS): {result['peak_pss_all_mb']} MB"
        )
    else:
        print(f"bulk download: {result['status']} {result['error']}")
    print(TARGETS)

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    report["database"] = os.environ["DATABASE_URL"].split(":", 1)[0]
    (out / "certificates.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
