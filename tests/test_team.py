"""The one team rule: `User.objects.team_of(user)` — whom a user oversees."""

from fieldcrm.org.models import User
from tests.factories import make_cast, make_user


def names(users):
    return sorted(u.username for u in users)


def test_a_manager_oversees_themself(cast):
    assert names(User.objects.team_of(cast["alice"])) == ["alice"]


def test_a_supervisor_oversees_the_managers_of_their_area(cast):
    assert names(User.objects.team_of(cast["sam"])) == ["alice", "bob"]


def test_an_admin_oversees_every_manager_of_the_company_and_no_other(cast):
    other = make_cast("320999", prefix="x")
    assert names(User.objects.team_of(cast["ada"])) == ["alice", "bob", "charlie"]
    assert names(User.objects.team_of(other["ada"])) == ["xalice", "xbob", "xcharlie"]


def test_staff_officers_and_a_supervisor_without_an_area_oversee_nobody(cast):
    lost = make_user("lost", User.Role.SUPERVISOR, cast["company"])
    for user in (cast["dora"], cast["max"], lost):
        assert not User.objects.team_of(user).exists()
    assert not cast["dora"].oversees_anyone and not cast["alice"].oversees_anyone
    assert cast["sam"].oversees_anyone and cast["ada"].oversees_anyone


def test_former_managers_stay_in_the_team_but_not_in_the_active_list(cast):
    cast["bob"].is_active = False
    cast["bob"].save()
    assert names(User.objects.team_of(cast["sam"])) == ["alice", "bob"]
    assert names(User.objects.team_of(cast["sam"]).active()) == ["alice"]


def test_a_deactivated_user_oversees_nobody(cast):
    cast["sam"].is_active = False
    cast["sam"].save()
    assert not User.objects.team_of(cast["sam"]).exists()


def test_rows_follow_the_same_rule(cast):
    """`User.overseen(path)` is the team rule as a condition on rows linked to a manager."""
    from tests.factories import make_customer

    for who in ("alice", "bob", "charlie"):
        make_customer(cast[who])
    for who in ("alice", "sam", "ada"):
        user = cast[who]
        seen = {c.manager.username for c in user.customers.model.objects.filter(
            user.overseen("manager"), company=user.company)}
        assert seen == set(names(User.objects.team_of(user)))
