"""The contact log in the matter workflow (a mixin of `MatterWorkflow`).

The team logs each call, visit or message with its outcome and, where learnt, the cause of the
default; the risk assessment reads the log (ability and willingness to pay: `domain/contact.py`).
A borrower's request to be contacted no more is recorded here too: from then on the ladder's
reminders (letters, calls, SMS, e-mail) are skipped with a line in the history, and only what the
law requires still goes out; the process itself (negotiation window, legal review) goes on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.contact import ContactAttempt, ability_and_willingness, attempts_in_window
    from workflows.contracts import ERR_INVALID, UPDATE_CONTACT, ContactCommand, ContactResult
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import ContactCount, Effect

COUNTED = ("phone", "visit", "sms", "email")  # channels that count toward the attempts per 7 days


_OUTCOMES = {"reached": "reached the borrower", "no_answer": "no answer", "wrong_number": "wrong number",
             "refused_to_pay": "the borrower refused to pay", "promised": "the borrower promised to pay",
             "disputed": "the borrower disputes the debt (consider a dispute hold)"}


class ContactHandlers(MatterMixin):

    def _contact_made(self, channel: str, at: datetime) -> None:
        """The workflow's own attempt (an SMS or e-mail sent): it counts like one the team logs."""
        self._s.contacts.append(ContactAttempt(at=at, channel=channel, matter_id=self._mid))  # type: ignore[arg-type]

    def _ceased(self) -> bool:
        return self._s.cease_contact_at is not None

    @workflow.update(name=UPDATE_CONTACT)
    def log_contact(self, cmd: ContactCommand) -> ContactResult:
        if cmd.contact_id in self._s.contact_ids:
            self._same_body("contact_id", cmd.contact_id, _contact_body(cmd))
            return self._contact_result(cmd, duplicate=True)
        self._s.bodies[f"contact_id:{cmd.contact_id}"] = _contact_body(cmd)
        now = workflow.now()
        at = cmd.at or now
        self._s.contacts.append(ContactAttempt(at=at, channel=cmd.channel, matter_id=self._mid, outcome=cmd.outcome,
                                               cause=cmd.cause))
        self._s.contact_ids.append(cmd.contact_id)
        words = _OUTCOMES[cmd.outcome]
        if cmd.cause:
            words += f"; cause of default: {cmd.cause.replace('_', ' ')}"
        self._event(f"contact-{cmd.contact_id}", "contact_logged",
                    f"{cmd.channel.capitalize()} contact: {words}" + (" (note given)" if cmd.note else ""),
                    actor=cmd.actor, data={"channel": cmd.channel, "outcome": cmd.outcome, "cause": cmd.cause,
                                           "at": at.isoformat()})
        if cmd.cease_contact and self._s.cease_contact_at is None:
            self._s.cease_contact_at = at
            self._event(f"cease-{cmd.contact_id}", "cease_contact",
                        "The borrower asked to be contacted no more: reminders stop; only notices the law "
                        "requires are sent", actor=cmd.actor)
        if cmd.channel in COUNTED and self._budgeted():
            # Counted in the borrower's budget across all matters (a warning in the history if it broke it).
            self._queue(Effect(key=f"contact:{cmd.contact_id}", queued_at=now, contact=ContactCount(
                attempt_id=f"{self._mid}:contact:{cmd.contact_id}", channel=cmd.channel, at=at,  # type: ignore[arg-type]
                outcome=cmd.outcome)))
        self._reassess("contact", now)
        self._dirty = True
        return self._contact_result(cmd, duplicate=False)

    @log_contact.validator
    def _validate_contact(self, cmd: ContactCommand) -> None:
        if cmd.contact_id in self._s.contact_ids:
            self._same_body("contact_id", cmd.contact_id, _contact_body(cmd))
            return
        self._refuse_if_closed()
        now = workflow.now()
        if cmd.at is not None:
            if cmd.at.tzinfo is None:
                raise ApplicationError("at: give a time zone (e.g. 2026-12-03T10:00:00+08:00)", type=ERR_INVALID)
            if cmd.at > now + timedelta(minutes=5):
                raise ApplicationError(f"at: {cmd.at.isoformat()} is in the future", type=ERR_INVALID)
            if cmd.at < self._s.clock.started_at - timedelta(days=366):
                raise ApplicationError("at: more than a year before the matter was opened", type=ERR_INVALID)

    def _contact_result(self, cmd: ContactCommand, duplicate: bool) -> ContactResult:
        aw = ability_and_willingness(self._s.contacts)
        now = workflow.now()
        return ContactResult(contact_id=cmd.contact_id, duplicate=duplicate, ability=aw.ability,
                             willingness=aw.willingness, risk_grade=self._s.risk.grade if self._s.risk else None,
                             cease_contact=self._ceased(),
                             contacts_in_7_days=attempts_in_window(self._s.contacts, now))


def _contact_body(cmd: ContactCommand) -> str:
    from workflows.matter.state import digest

    return digest(cmd.channel, cmd.outcome, cmd.at.isoformat() if cmd.at else "", cmd.cause or "",
                  cmd.cease_contact, cmd.note)


__all__ = ["ContactHandlers"]
