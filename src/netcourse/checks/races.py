"""Checks for a bank account that many threads use at once (notebook 04).

The student's class::

    account = Account(balance=100, approve=None)
    account.deposit(amount)           # adds amount to account.balance
    account.withdraw(amount) -> bool  # takes it out if approve(amount) is true and the
                                      # balance covers it; returns whether it did
    account.balance                   # the balance, a plain attribute

``approve(amount)`` stands for a slow call to another service (a fraud check)
that touches nothing of the account: it may run in many threads at once, and
a correct account never holds its lock while it runs (``approvals``).

Races are forced, never waited for. The checker subclasses the account to
watch every read of ``balance`` and wraps each ``threading.Lock`` or
``RLock`` the account keeps in an attribute. Two threads then run one at a
time, like a scheduler that switches at the worst moments: right after a
thread has read ``balance`` and right after it has released a lock, the other
thread runs until it does the same, finishes, or waits for a lock that the
first one holds. An account whose read-modify-write is not one critical
section therefore loses an update (or overdraws) on every run, and a correct
one never does. A thread that blocks in a way the checker cannot see (a lock
kept outside the account, say) is waited for :data:`FALLBACK` seconds before
the other goes on, which only makes such an account slower to check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .harness.calls import GATE, PROMPT, Call, guarded, prompt, wait_all
from .harness.core import CheckFailure, Checklist, NotAttempted, Report, SkipCheck, call_student

AccountClass = Callable[..., Any]
Op = tuple[str, int]  # ("deposit", 10) or ("withdraw", 60)

# A thread that has the turn but is blocked where the checker cannot see gets this long.
FALLBACK = 0.5
# The threads in `approvals` wait this long for each other inside approve().
APPROVAL_WAIT = 5.0
APPROVERS = 4
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()), threading._PyRLock)  # type: ignore[attr-defined]
REENTRANT = (type(threading.RLock()), threading._PyRLock)  # type: ignore[attr-defined]

_HANG = (
    f"did not return within {PROMPT:g} s: is a lock still held from an earlier call? An early "
    "`return` between acquire() and release() leaves it locked; use `with self._lock:`"
)
WHOLE = (
    "Hold one lock (kept in an attribute: self._lock = threading.Lock()) around the whole "
    "read, check and write of the balance, with `with self._lock:`"
)


@dataclass(frozen=True)
class AccountUnderTest:
    """The account class under test and the balance each check opens it with."""

    cls: AccountClass
    balance: int = 100


CHECKS: Checklist[AccountUnderTest] = Checklist("account")


def _approve_all(amount: int) -> bool:
    return True


def _new(
    subject: AccountUnderTest,
    cls: AccountClass | None = None,
    approve: Callable[[int], bool] = _approve_all,
) -> Any:
    cls = cls or subject.cls
    return prompt(f"Account({subject.balance}, approve=...)", cls, subject.balance, approve=approve)


def _balance_of(account: Any) -> Any:
    return object.__getattribute__(account, "balance")


# --- what a correct account does, one operation after another ----------------------


def serial(balance: int, ops: Iterable[Op]) -> tuple[list[bool | None], int]:
    """What the operations return (None for a deposit) and the balance, one after another."""
    results: list[bool | None] = []
    for kind, amount in ops:
        if kind == "deposit":
            balance += amount
            results.append(None)
        elif amount <= balance:
            balance -= amount
            results.append(True)
        else:
            results.append(False)
    return results, balance


def _call(account: Any, op: Op) -> Any:
    kind, amount = op
    return call_student(getattr(account, kind), amount, name=f"account.{kind}")


def _say(op: Op) -> str:
    return f"{op[0]}({op[1]})"


# --- running two threads one at a time ----------------------------------------------


class Turns:
    """Two player threads that run one at a time, switching at the points races need.

    A player hands the turn to the other after each read of ``balance`` and each
    release of a watched lock, unless the other has finished or waits for a
    watched lock that is held; a player about to wait for a held watched lock
    hands the turn over first, and takes it back once it has the lock.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._players: dict[threading.Thread, int] = {}
        self.turn = 0
        self.done: set[int] = set()
        self.waiting_on: dict[int, WatchedLock] = {}
        self.reads = [0, 0]

    def _me(self) -> int | None:
        return self._players.get(threading.current_thread())

    def _can_run(self, player: int) -> bool:
        if player in self.done:
            return False
        lock = self.waiting_on.get(player)
        return lock is None or lock.owner is None

    def _hand_over(self, me: int) -> bool:
        """Give the turn to the other player if it can run; True when it was given."""
        other = 1 - me
        if not self._can_run(other):
            return False
        self.turn = other
        self._cond.notify_all()
        return True

    def _wait_turn(self, me: int) -> None:
        if not self._cond.wait_for(lambda: self.turn == me, timeout=FALLBACK):
            self.turn = me  # the other is blocked where the checker cannot see it: go on

    def switch(self) -> None:
        """A point where a race can happen: let the other player run first."""
        with self._cond:
            me = self._me()
            if me is not None and self._hand_over(me):
                self._wait_turn(me)

    def read(self) -> None:
        with self._cond:
            me = self._me()
            if me is not None:
                self.reads[me] += 1
        self.switch()

    def blocking(self, lock: WatchedLock) -> None:
        with self._cond:
            me = self._me()
            if me is not None:
                self.waiting_on[me] = lock
                self._hand_over(me)

    def unblocked(self) -> None:
        with self._cond:
            me = self._me()
            if me is not None:
                self.waiting_on.pop(me, None)
                self._wait_turn(me)

    def play(self, player: int, action: Callable[[], Any]) -> Any:
        """Run ``action`` as ``player`` (0 starts, 1 waits for its first turn)."""
        with self._cond:
            self._players[threading.current_thread()] = player
            self._cond.wait_for(lambda: self.turn == player, timeout=GATE)
        try:
            return action()
        finally:
            with self._cond:
                self.done.add(player)
                self._hand_over(player)


class WatchedLock:
    """A lock of the account's, wrapped so that the turns see who holds it and who waits."""

    def __init__(self, lock: Any, turns: Turns) -> None:
        self._lock = lock
        self._turns = turns
        self._reentrant = isinstance(lock, REENTRANT)
        self.owner: threading.Thread | None = None
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        me = threading.current_thread()
        held_by_other = self.owner is not None and not (self._reentrant and self.owner is me)
        if blocking and held_by_other:
            self._turns.blocking(self)
            try:
                got = self._lock.acquire(blocking, timeout)
            finally:
                self._turns.unblocked()
        else:
            got = self._lock.acquire(blocking, timeout)
        if got:
            self.owner = me
            self._count += 1
        return got

    def release(self) -> None:
        self._count -= 1
        if self._count == 0:
            self.owner = None
        self._lock.release()
        self._turns.switch()

    def locked(self) -> bool:
        return self.owner is not None

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def watched(cls: AccountClass, turns: Turns) -> type:
    """``cls`` with every read of ``balance`` and every lock it keeps reported to ``turns``."""

    class Watched(cls):  # type: ignore[misc, valid-type]
        def __getattribute__(self, name: str) -> Any:
            value = super().__getattribute__(name)
            if name == "balance":
                turns.read()
            return value

        def __setattr__(self, name: str, value: Any) -> None:
            if isinstance(value, LOCK_TYPES):
                value = WatchedLock(value, turns)
            super().__setattr__(name, value)

    Watched.__name__ = Watched.__qualname__ = getattr(cls, "__name__", "Account")
    return Watched


# --- the checks -----------------------------------------------------------------------


CASES: list[tuple[list[Op], str]] = [
    ([("deposit", 50)], "a deposit adds to the balance"),
    ([("withdraw", 30)], "a withdrawal the balance covers takes the money and returns True"),
    ([("withdraw", 500)], "a withdrawal larger than the balance returns False and takes nothing"),
    ([("withdraw", 100)], "a withdrawal of the whole balance is allowed and returns True"),
    ([("deposit", 20), ("withdraw", 110), ("withdraw", 20)], "operations one after another"),
    ([("withdraw", 500), ("deposit", 1), ("withdraw", 1)], "a refusal leaves the account usable"),
]


@CHECKS.check("one-thread")
def _one_thread(subject: AccountUnderTest) -> None:
    for ops, why in CASES:
        account = _new(subject)
        got = [Call(f"account.{_say(op)}", _call, account, op).value(PROMPT, _HANG) for op in ops]
        expected, balance = serial(subject.balance, ops)
        _compare(subject, ops, got, _balance_of(account), expected, balance, why)
    refused = _new(subject, approve=lambda amount: False)
    if Call("account.withdraw(10)", _call, refused, ("withdraw", 10)).value(PROMPT, _HANG):
        raise CheckFailure("withdraw(10) returned True although approve(10) said no")
    if _balance_of(refused) != subject.balance:
        raise CheckFailure("withdraw(10) took money although approve(10) said no")
    _reads_balance(subject)


def _compare(
    subject: AccountUnderTest,
    ops: list[Op],
    got: list[Any],
    balance: Any,
    expected: list[bool | None],
    expected_balance: int,
    why: str,
) -> None:
    """Fail unless the withdrawals returned ``expected`` and the balance is ``expected_balance``."""
    calls = ", ".join(_say(op) for op in ops)
    for op, result, wanted in zip(ops, got, expected, strict=True):
        if op[0] == "withdraw" and result is not wanted:
            raise CheckFailure(
                f"{_say(op)} returned {result!r}, not {wanted!r}: {why} "
                f"(Account({subject.balance}), then {calls})"
            )
    if balance != expected_balance:
        raise CheckFailure(
            f"the balance is {balance!r}, not {expected_balance}: {why} "
            f"(Account({subject.balance}), then {calls})"
        )


def _reads_balance(subject: AccountUnderTest) -> None:
    counted = {"n": 0}

    class Counting(subject.cls):  # type: ignore[misc, valid-type]
        def __getattribute__(self, name: str) -> Any:
            if name == "balance":
                counted["n"] += 1
            return super().__getattribute__(name)

    for op in (("deposit", 1), ("withdraw", 1)):
        account = _new(subject, Counting)
        counted["n"] = 0
        Call(f"account.{_say(op)}", _call, account, op).value(PROMPT, _HANG)
        if counted["n"] == 0:
            raise CheckFailure(
                f"{op[0]}() never read self.balance: keep the balance in the attribute "
                "`balance` and read and write it there (the checks watch it)"
            )


def _race(subject: AccountUnderTest, first: Op, second: Op) -> None:
    """Run two operations in two threads, switching at every read and release; judge the end."""
    ops = [first, second]
    try:
        alone = _new(subject)
        got = [Call(f"account.{_say(op)}", _call, alone, op).value(PROMPT, _HANG) for op in ops]
        _compare(subject, ops, got, _balance_of(alone), *serial(subject.balance, ops), "")
    except NotAttempted:
        raise
    except CheckFailure:
        raise SkipCheck("the account is wrong even in one thread: see one-thread") from None
    turns = Turns()
    account = _new(subject, watched(subject.cls, turns))
    calls = [
        Call(f"account.{_say(op)}", turns.play, player, lambda op=op: _call(account, op))
        for player, op in enumerate((first, second))
    ]
    if not wait_all(calls, GATE):
        raise CheckFailure(
            f"two operations at once did not both return within {GATE:g} s (a deadlock?): take "
            f"one lock, once, per operation ({_say(first)} and {_say(second)}, in two threads)"
        )
    got = [call.value(0) for call in calls]
    balance = _balance_of(account)
    outcomes = [
        serial(subject.balance, [first, second]),
        _swap(serial(subject.balance, [second, first])),
    ]
    if any(_same(first, second, got, balance, results, end) for results, end in outcomes):
        return
    raise CheckFailure(_race_message(subject, first, second, got, balance, outcomes))


def _swap(outcome: tuple[list, int]) -> tuple[list, int]:
    results, balance = outcome
    return list(reversed(results)), balance


def _same(first: Op, second: Op, got: list, balance: Any, results: list, end: int) -> bool:
    if balance != end:
        return False
    return all(
        op[0] != "withdraw" or result is wanted
        for op, result, wanted in zip((first, second), got, results, strict=True)
    )


def _race_message(subject, first, second, got, balance, outcomes) -> str:
    ends = " or ".join(str(end) for end in sorted({end for _, end in outcomes}))
    both = f"{_say(first)} and {_say(second)} at once"
    taken = [op[1] for op, result in zip((first, second), got, strict=True) if result is True]
    if first[0] == second[0] == "withdraw" and len(taken) == 2:
        return (
            f"overdrawn: {both} both succeeded and left {balance!r}; "
            f"both threads checked the balance ({subject.balance}) before either took the "
            f"money. {WHOLE}: the check and the withdrawal in one critical section"
        )
    return (
        f"a lost update: {both} left the balance at {balance!r}, not {ends}; one thread "
        f"read the balance ({subject.balance}), the other changed it, then the first wrote "
        f"back what it had computed from its stale read. {WHOLE}"
    )


@CHECKS.check("deposits")
def _deposits(subject: AccountUnderTest) -> None:
    _race(subject, ("deposit", 10), ("deposit", 5))


@CHECKS.check("withdrawals")
def _withdrawals(subject: AccountUnderTest) -> None:
    share = subject.balance * 3 // 5
    _race(subject, ("withdraw", share), ("withdraw", share))


@CHECKS.check("deposit-and-withdrawal")
def _mixed(subject: AccountUnderTest) -> None:
    share = subject.balance * 3 // 5
    _race(subject, ("withdraw", share), ("deposit", subject.balance // 2))
    _race(subject, ("deposit", subject.balance // 2), ("withdraw", share))


@CHECKS.check("approvals")
def _approvals(subject: AccountUnderTest) -> None:
    barrier = threading.Barrier(APPROVERS, timeout=APPROVAL_WAIT)
    seen = {"inside": 0, "peak": 0, "calls": 0}
    lock = threading.Lock()

    def approve(amount: int) -> bool:
        with lock:
            seen["calls"] += 1
            seen["inside"] += 1
            seen["peak"] = max(seen["peak"], seen["inside"])
        try:
            barrier.wait()
            return True
        except threading.BrokenBarrierError:
            return False
        finally:
            with lock:
                seen["inside"] -= 1

    account = _new(subject, approve=approve)
    calls = [
        Call(f"account.withdraw(1) #{n}", _call, account, ("withdraw", 1)) for n in range(APPROVERS)
    ]
    if not wait_all(calls, APPROVAL_WAIT * APPROVERS + PROMPT):
        raise CheckFailure(f"{APPROVERS} withdrawals at once did not return: a deadlock?")
    for call in calls:
        call.value(0)
    if seen["calls"] == 0:
        raise SkipCheck("withdraw() never called approve(): see one-thread")
    if barrier.broken:
        raise CheckFailure(
            f"approve() ran for one withdrawal at a time: the lock is held while it runs; "
            f"{APPROVERS} threads withdrew at once, and at most {seen['peak']} were inside "
            "approve() together. It touches nothing of the account: call it before you take "
            "the lock, and check the balance and take the money inside the lock"
        )


def check_account(
    cls: AccountClass, only: Iterable[str] | None = None, *, balance: int = 100
) -> Report:
    """Run the account checks (or those in ``only``) on the class ``cls``, opened at ``balance``."""
    if balance < 10:
        raise ValueError("open the account with a balance of at least 10")
    subject = AccountUnderTest(cls, balance)
    name = getattr(cls, "__name__", "Account")
    return CHECKS.run(f"account {name}", subject, only, wrap=guarded)


__all__ = ["CHECKS", "check_account", "serial"]
