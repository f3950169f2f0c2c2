"""Accounts for the race checker: the stub, correct ones, and realistic wrong ones.

Each wrong account is a mistake students make when they fix a race, with the
rest of the class done right, so that the fault shows in its own checks only.
"""

from __future__ import annotations

import threading

from .three_ways import right, wrong

RACES = {"deposits", "withdrawals", "deposit-and-withdrawal"}


class Stub:
    def __init__(self, balance=0, approve=None):
        raise NotImplementedError()


class HalfStub:
    """The starter with __init__ written and the methods still to do."""

    def __init__(self, balance=0, approve=None):
        self.balance = balance
        self.approve = approve or (lambda amount: True)

    def deposit(self, amount):
        raise NotImplementedError()

    def withdraw(self, amount):
        raise NotImplementedError()


class Account:
    """The reference: approve outside the lock, one critical section per operation."""

    def __init__(self, balance=0, approve=None):
        self.balance = balance
        self.approve = approve or (lambda amount: True)
        self._lock = threading.Lock()

    def deposit(self, amount):
        with self._lock:
            self.balance += amount

    def withdraw(self, amount):
        if not self.approve(amount):
            return False
        with self._lock:
            if self.balance < amount:
                return False
            self.balance -= amount
            return True


class Rechecked(Account):
    """A quick look first, the approval, then the check again inside the lock: correct."""

    def withdraw(self, amount):
        with self._lock:
            if self.balance < amount:
                return False
        if not self.approve(amount):
            return False
        with self._lock:
            if self.balance < amount:
                return False
            self.balance -= amount
            return True


class Reentrant(Account):
    """An RLock, and withdraw() written with acquire() and release() in try/finally."""

    def __init__(self, balance=0, approve=None):
        super().__init__(balance, approve)
        self._lock = threading.RLock()

    def withdraw(self, amount):
        if not self.approve(amount):
            return False
        self._lock.acquire()
        try:
            if self.balance < amount:
                return False
            self.balance -= amount
            return True
        finally:
            self._lock.release()


_BANK_LOCK = threading.Lock()


class ModuleLock(Account):
    """One lock for every account, kept outside the class: correct, and slower to check."""

    def deposit(self, amount):
        with _BANK_LOCK:
            self.balance += amount

    def withdraw(self, amount):
        if not self.approve(amount):
            return False
        with _BANK_LOCK:
            if self.balance < amount:
                return False
            self.balance -= amount
            return True


class Unsafe(Account):
    """The draft: no lock at all."""

    def deposit(self, amount):
        self.balance += amount

    def withdraw(self, amount):
        if self.balance < amount:
            return False
        if not self.approve(amount):
            return False
        self.balance -= amount
        return True


class WriteOnly(Account):
    """The lock around the write alone: the read before it is already stale."""

    def deposit(self, amount):
        new = self.balance + amount
        with self._lock:
            self.balance = new

    def withdraw(self, amount):
        if self.balance < amount or not self.approve(amount):
            return False
        with self._lock:
            self.balance -= amount
        return True


class FreshLock(Account):
    """A new lock for every call, which no other thread ever waits for."""

    def deposit(self, amount):
        with threading.Lock():
            self.balance += amount

    def withdraw(self, amount):
        if not self.approve(amount):
            return False
        with threading.Lock():
            if self.balance < amount:
                return False
            self.balance -= amount
            return True


class DepositOnly(Account):
    """Deposits locked; withdrawals "only read, then write"."""

    def withdraw(self, amount):
        if not self.approve(amount) or self.balance < amount:
            return False
        self.balance -= amount
        return True


class WithdrawOnly(Account):
    """Withdrawals locked; a deposit "is a single line"."""

    def deposit(self, amount):
        self.balance += amount


class LockPerMethod(Account):
    """Each method with a lock of its own: deposits and withdrawals still interleave."""

    def __init__(self, balance=0, approve=None):
        super().__init__(balance, approve)
        self._deposit_lock = threading.Lock()
        self._withdraw_lock = threading.Lock()

    def deposit(self, amount):
        with self._deposit_lock:
            self.balance += amount

    def withdraw(self, amount):
        if not self.approve(amount):
            return False
        with self._withdraw_lock:
            if self.balance < amount:
                return False
            self.balance -= amount
            return True


class CheckThenAct(Account):
    """The check and the withdrawal locked separately, with the approval in between."""

    def withdraw(self, amount):
        with self._lock:
            if self.balance < amount:
                return False
        if not self.approve(amount):
            return False
        with self._lock:
            self.balance -= amount
        return True


class LockedApproval(Account):
    """Everything under the lock, the slow approval too."""

    def withdraw(self, amount):
        with self._lock:
            if self.balance < amount or not self.approve(amount):
                return False
            self.balance -= amount
            return True


class EarlyReturnKeepsLock(Account):
    """acquire() and release() by hand, and a refusal that returns before the release."""

    def withdraw(self, amount):
        if not self.approve(amount):
            return False
        self._lock.acquire()
        if self.balance < amount:
            return False
        self.balance -= amount
        self._lock.release()
        return True


class NoWholeBalance(Account):
    """Refuses to empty the account: `<=` where `<` was meant."""

    def withdraw(self, amount):
        if not self.approve(amount):
            return False
        with self._lock:
            if self.balance <= amount:
                return False
            self.balance -= amount
            return True


class PrivateBalance(Account):
    """A correct account behind a property: the checks, which watch `balance`, cannot see it."""

    def __init__(self, balance=0, approve=None):
        super().__init__(0, approve)
        self._balance = balance

    @property
    def balance(self):
        return self._balance

    @balance.setter
    def balance(self, value):
        self._balance = value

    def deposit(self, amount):
        with self._lock:
            self._balance += amount

    def withdraw(self, amount):
        if not self.approve(amount):
            return False
        with self._lock:
            if self._balance < amount:
                return False
            self._balance -= amount
            return True


class IgnoresApproval(Account):
    def withdraw(self, amount):
        with self._lock:
            if self.balance < amount:
                return False
            self.balance -= amount
            return True


STUBS = [right(Stub), right(HalfStub)]
REFERENCES = [right(Account), right(Rechecked), right(Reentrant), right(ModuleLock, slow=True)]
CORPUS = [
    wrong(Unsafe, RACES, "a lost update"),
    wrong(WriteOnly, RACES, "stale read"),
    wrong(FreshLock, RACES, "overdrawn"),
    wrong(DepositOnly, {"withdrawals", "deposit-and-withdrawal"}, "overdrawn"),
    wrong(WithdrawOnly, {"deposits", "deposit-and-withdrawal"}, "a lost update"),
    wrong(LockPerMethod, {"deposit-and-withdrawal"}, "a lost update"),
    wrong(CheckThenAct, {"withdrawals"}, "both threads checked the balance"),
    wrong(LockedApproval, {"approvals"}, "approve() ran for one withdrawal at a time", slow=True),
    wrong(EarlyReturnKeepsLock, {"one-thread"}, "leaves it locked"),
    wrong(NoWholeBalance, {"one-thread"}, "whole balance"),
    wrong(IgnoresApproval, {"one-thread"}, "approve(10) said no"),
    wrong(PrivateBalance, {"one-thread"}, "never read self.balance"),
]
