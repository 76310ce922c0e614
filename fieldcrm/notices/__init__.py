"""In-app notifications (the nav's unread badge and the /notices/ inbox), with a pluggable outside sender.

Every app may notify: notices sits just above org in the app layers. The one entry point:

    from fieldcrm.notices import notify

    notify(recipients, kind, *, args=None, link="") -> None

- `recipients`: a user, or an iterable/queryset of users (None and inactive users are skipped, each user
  notified once).
- `kind`: a `Notice.Kind` value (`notices/kinds.py` renders each): `demand_routed`, `demand_resolved`,
  `demand_handed_back`, `demand_overdue`, `change_request_decided`, `plan_approved`, `plan_returned`,
  `report_outcome`.
- `args`: JSON-able values the kind's text is made from (e.g. `{"customer": "张兵烟酒店", "what": "..."}`);
  the text is rendered in the reader's language when it is read, like a visit's reasons, and also stored as
  rendered at sending time (a fallback for kinds no longer known).
- `link`: a site-relative URL the notice opens (the demand, the plan, the report).

Nothing is written until the caller's transaction commits (`transaction.on_commit`): a refused or rolled
back action notifies nobody. Then the notices are stored (the inbox) and handed to the sender named by
`settings.NOTICE_SENDER` (default `fieldcrm.notices.senders.InAppSender`, which adds nothing to the inbox);
an SMS or WeChat-work sender implements the same `send(notices)`. A failing sender is logged and never
fails the action that notified.
"""



def notify(recipients, kind: str, *, args: dict | None = None, link: str = "") -> None:
    """See the module docstring. (Imported lazily: this package is imported before the app registry is ready.)"""
    from fieldcrm.notices.actions import notify as _notify

    _notify(recipients, kind, args=args, link=link)
