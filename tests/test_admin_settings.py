"""设置 is the company's settings, branded and in Chinese, with what a company changes easy to find (issue 16,
item 8): not "Django 管理" with English model names."""

import re

import pytest

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_admin_index_reads_as_the_companys_settings(cast, client, settings):
    admin = cast["ada"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "zh-hans"})
    page = client.get("/admin/")
    assert page.status_code == 200
    text = visible_text(page.content.decode())
    assert "FieldCRM 设置" in text and "Django" not in text
    for words in ("Access attempts", "Access failures", "Access logs", "Model name", "Add link", "Axes",
                  "Planning jobs"):
        assert words not in text
    assert "登录保护" in text and "登录尝试" in text
    shortcuts = page.content.decode().split('id="company-settings"')[1].split("</table>")[0]
    for link in ("/admin/visits/planningpolicy/", "/admin/care/servicepolicy/", "/admin/followup/demandroute/",
                 "/admin/customers/fieldpolicy/", "/admin/org/user/"):
        assert link in shortcuts
    assert "签到半径" in shortcuts and "诉求分派" in shortcuts
