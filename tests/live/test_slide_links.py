"""Links inside slides lead to the class's module pages (the module HTML is rendered relative to
the module page, and the room lives elsewhere)."""

import re

from lms.content.render import with_module_links


def test_only_links_to_other_modules_are_rewritten():
    html = (
        '<a href="mo-dau">a</a> <a href="mo-dau#muc-tieu">b</a> <a href="#here">c</a> '
        '<a href="https://example.org/x">d</a> <a href="/courses/demo/assets/x.pdf">e</a> <img src="mo-dau">'
    )
    assert with_module_links(html, lambda slug: f"/classes/7/modules/{slug}") == (
        '<a href="/classes/7/modules/mo-dau">a</a> <a href="/classes/7/modules/mo-dau#muc-tieu">b</a> '
        '<a href="#here">c</a> <a href="https://example.org/x">d</a> <a href="/courses/demo/assets/x.pdf">e</a> '
        '<img src="mo-dau">'
    )


def test_a_link_in_the_slides_opens_the_module_page_of_the_class(world, auth, client, live):
    auth.login("hv.mai")
    room = client.get(f"/sessions/{live.id}/room").get_data(as_text=True)
    slides = room[room.index('id="slide-body"') :]
    links = re.findall(r'<a href="([^"]+)"[^>]*>mở đầu</a>', slides)
    assert links == [f"/classes/{world.course_class.id}/modules/mo-dau"]
    page = client.get(links[0])
    assert page.status_code == 200
    assert "<h1>Mở đầu</h1>" in page.get_data(as_text=True)
