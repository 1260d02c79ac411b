"""Static files: fingerprinted addresses kept a year, no session read, no source map that 404s."""

import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "lms" / "static"


def test_pages_link_static_files_by_their_fingerprint_which_is_cached_for_a_year(world, auth, client):
    auth.login("hv.mai")
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', page)
    assert css, "the stylesheet is not linked with a fingerprint"
    assert css.group(2) == hashlib.sha256((STATIC / "css" / "app.css").read_bytes()).hexdigest()[:12]
    with client.get(css.group(1)) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Vary" not in response.headers  # the same file for everyone: a proxy may keep it


def test_an_address_without_the_current_fingerprint_is_revalidated(client):
    for address in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        with client.get(address) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "no-cache"
            assert "Vary" not in response.headers


def test_the_vendored_socket_io_client_points_to_no_missing_source_map(client):
    script = (STATIC / "vendor" / "socket.io" / "socket.io.min.js").read_text(encoding="utf-8")
    assert "sourceMappingURL" not in script
