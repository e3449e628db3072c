"""Event correlation: which of a component's Events are written, and as a new object or a count bump.

Upstream, every event recorder (one per controller, one per kubelet) passes each Event through an
EventCorrelator before writing it (client-go tools/record, events_cache.go).  This module restates
its behaviour; `EventCorrelator.correlate` answers what to write, and the caller writes it.
`correlate_parts` takes the same steps for an Event the recorder knows by its parts and keys, before
building it (a dropped one never is), `correlate_owned` for one it has built, `update_state` and
`remember_created` keep the server's copy (see their docstrings for what they rely on); the tests
play random streams through both ways and compare answers and all three caches, entry by entry.

Facts, in the order upstream applies them to each new Event:

1. Aggregation.  Events that differ only in their message are *similar*: their aggregate key is
   (source component, source host, involvedObject kind, namespace, name, uid, apiVersion, type,
   reason, reportingComponent, reportingInstance) and their local key is the message.  Per
   aggregate key a record keeps the set of distinct messages and the time of the last similar
   event.  When the gap since that time is strictly more than 600 s the record starts afresh.
   While the set holds fewer than 10 messages the event passes unchanged, keyed for dedupe by its
   full key (below).  From the 10th distinct message on, one message leaves the set (so it stays at
   9) and the event is replaced by a new one about the same object with the same type, reason and
   source, count 1, both timestamps now, no reporting fields, and the message
   "(combined from similar events): <this event's message>"; it is keyed for dedupe by the
   aggregate key, so later similar events bump the same combined Event.
2. Dedupe.  A log keyed by the key from step 1 remembers (count, firstTimestamp, name,
   resourceVersion) of the last observation.  On a hit the event takes the remembered name and
   firstTimestamp and count = remembered count + 1, and is written as a strategic merge patch of
   exactly {count, lastTimestamp, message}; on a miss it is created.  The log is updated *before*
   the spam filter runs, so a dropped event still advances the count.  The full key is (source
   component, source host, involvedObject kind, namespace, name, fieldPath, uid, apiVersion,
   type, reason, message).
3. Spam filter.  Per (source component, source host, involvedObject kind, namespace, name, uid,
   apiVersion, type) a token bucket of burst 25 refills one token every 300 s; an event that finds
   no whole token is dropped.  Identical and combined events spend tokens too.
   Worked example: 25 events about one pod at t=0 all pass and empty the bucket; a 26th at t=0 is
   dropped; at t=150 the bucket holds 0.5 (dropped); at t=300 it holds 1.0 and one more passes.

Each of the three caches is an LRU of 4096 entries.  Writing (the caller's part): a patch that
answers 404 (the Event expired or was never written because it was dropped) becomes a create of
the whole event, count kept, resourceVersion cleared; the stored result goes back into the dedupe
log under its full key.  Any other refusal drops the event.

The keys are upstream's: the parts above concatenated without a separator, so two keys whose parts
differ only in where one ends and the next begins are one key there and here alike.  One deviation,
deliberate: when the message set is full the oldest message leaves it, where upstream removes an
arbitrary one, so runs are repeatable.
All times are the cluster clock's, passed in by the caller.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kubeferry.machinery.podutil import format_time

LRU_ENTRIES = 4096
AGGREGATE_MAX_EVENTS = 10
AGGREGATE_INTERVAL_SECONDS = 600
SPAM_BURST = 25
SPAM_QPS = 1.0 / 300.0
COMBINED_PREFIX = "(combined from similar events): "
# `EventCorrelator.correlate_parts`'s answer for an Event written as its caller built it.
AS_BUILT = "as built"


def _text(value: object) -> str:
    """A key part as text: a missing or null field reads as "" (Go's zero string), anything else as str()."""
    return value if value.__class__ is str else "" if value is None else str(value)


def _object_parts(event: dict, field_path: bool) -> list[str]:
    """The parts the keys share: source component and host, involvedObject kind, namespace, name (then its
    fieldPath, for the dedupe key), uid and apiVersion, and the event's type (`_text` of each)."""
    source = event.get("source") or {}
    ref = event.get("involvedObject") or {}
    parts = [source.get("component"), source.get("host"), ref.get("kind"), ref.get("namespace"), ref.get("name")]
    if field_path:
        parts.append(ref.get("fieldPath"))
    parts += (ref.get("uid"), ref.get("apiVersion"), event.get("type"))
    return [_text(part) for part in parts]


def spam_key(event: dict) -> str:
    """The spam-filter key: one token bucket per source (component, host), object and event type."""
    return "".join(_object_parts(event, False))


def aggregate_key(event: dict, base: str | None = None) -> tuple[str, str]:
    """(aggregate key, local key): similar events share the first and differ in the second (the message).

    `base` is the event's `spam_key`, when already known: the aggregate key extends it.
    """
    base = spam_key(event) if base is None else base
    group = base + _text(event.get("reason")) + _text(event.get("reportingComponent"))
    return group + _text(event.get("reportingInstance")), _text(event.get("message"))


def event_key(event: dict) -> str:
    """The dedupe key: the spam key's parts with fieldPath after the name, then reason and message."""
    return "".join(_object_parts(event, True) + [_text(event.get("reason")), _text(event.get("message"))])


class _LRU:
    """A bounded map: reading or writing an entry makes it the newest; the oldest goes first."""

    __slots__ = ("size", "_items")

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()

    def get(self, key):
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def add(self, key, value) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def take_token(tokens: float, last: datetime, now: datetime, qps: float, burst: int) -> tuple[bool, float, datetime]:
    """One token-bucket decision: (accepted, tokens left, time of this refill).

    The bucket refills continuously at `qps` up to `burst` and a request needs one whole token.
    """
    if now > last:
        tokens += (now - last).total_seconds() * qps
        last = now
    if tokens > burst:
        tokens = float(burst)
    if tokens >= 1.0:
        return True, tokens - 1.0, last
    return False, tokens, last


class TokenBucket:
    """`burst` tokens to start with, refilled continuously at `qps` up to `burst`."""

    def __init__(self, qps: float, burst: int, now: datetime):
        self.qps = qps
        self.burst = burst
        self.tokens = float(burst)
        self.last = now

    def try_accept(self, now: datetime) -> bool:
        accepted, self.tokens, self.last = take_token(self.tokens, self.last, now, self.qps, self.burst)
        return accepted


# The caches' keys are strings and their values plain tuples (of strings, numbers, times and a dict of
# strings): the cyclic garbage collector never tracks the keys and stops tracking the values, so
# thousands of live entries cost its passes next to nothing.
#   similar-events record: (messages as an insertion-ordered dict of message -> None, last time)
#   dedupe observation:    (count, firstTimestamp, name, resourceVersion)
#   spam bucket:           (tokens, last refill time)


@dataclass(slots=True)
class Correlated:
    """What to write: `event` as a create, or `patch` against the existing Event; or nothing."""

    event: dict | None = None
    patch: dict | None = None
    skip: bool = False


def event_name(ref_name: str, now: datetime) -> str:
    """Upstream's Event name: the object's name, a dot, the time in Unix nanoseconds in hex."""
    return f"{ref_name}.{int(now.timestamp() * 1e9):x}"


class EventCorrelator:
    """One recorder's correlation state (upstream keeps one per recorder process)."""

    def __init__(
        self,
        *,
        burst: int = SPAM_BURST,
        qps: float = SPAM_QPS,
        max_events: int = AGGREGATE_MAX_EVENTS,
        interval_seconds: float = AGGREGATE_INTERVAL_SECONDS,
        spam_key: Callable[[dict], object] = spam_key,
        make_name: Callable[[str, datetime], str] = event_name,
        lru_entries: int = LRU_ENTRIES,
    ):
        self.burst = burst
        self.qps = qps
        self.max_events = max_events
        self.interval_seconds = interval_seconds
        self.spam_key = spam_key
        self.make_name = make_name
        self.lru_entries = lru_entries
        self._similar = _LRU(lru_entries)
        self._log = _LRU(lru_entries)
        self._buckets = _LRU(lru_entries)
        # The three LRUs' maps, for `correlate_owned`.
        self._records = self._similar._items
        self._observations = self._log._items
        self._tokens = self._buckets._items
        self._maps = (self._records, self._observations, self._tokens, lru_entries)

    def correlate(self, event: dict, now: datetime, base: str | None = None, *, owned: bool = False) -> Correlated:
        """What to write for `event` at `now`.  `base` is the event's `spam_key` when the caller built
        the event from its parts and already knows it; `owned` says the event and its metadata are the
        caller's own fresh dicts, which the answer may reuse instead of copying."""
        if base is None:
            base = spam_key(event)
        combined, key = self._aggregate(event, base, now)
        observed, patch = self._observe(combined, key, owned or combined is not event)
        # A combined event keeps the source, object and type, hence the spam key.
        if self._spam(base if self.spam_key is spam_key else self.spam_key(observed), now):
            return Correlated(skip=True)
        return Correlated(event=observed, patch=patch)

    def correlate_owned(
        self, event: dict, now: datetime, base: str, group: str, key: str
    ) -> tuple[dict, dict | None] | None:
        """`correlate` for an Event the caller has just built as its own and drops after writing it: every
        field an Event has, the event, metadata, involvedObject and source dicts its own, count 1, both
        timestamps `now` in `format_time`'s text, no resourceVersion.  The caller knows its keys from the
        parts it built it of: `base` its spam key, `group` its aggregate key, `key` its full key.  Answers
        (the event to write, the patch or None) or None when the spam filter drops it: `correlate_parts`
        decides, `owned_answer` applies the decision to the event."""
        if self.spam_key is not spam_key:
            answer = self.correlate(event, now, base, owned=True)
            if answer.skip or answer.event is None:
                return None
            return answer.event, answer.patch
        verdict = self.correlate_parts(
            now,
            event["lastTimestamp"],
            base,
            group,
            key,
            event["message"],
            event["metadata"]["name"],
            event["involvedObject"].get("name", ""),
        )
        if verdict is None:
            return None
        if verdict is AS_BUILT:
            self.remember(key, (1, event["firstTimestamp"], event["metadata"]["name"], ""))
            return event, None
        return self.owned_answer(event, verdict)

    def correlate_parts(
        self, now: datetime, stamp: str, base: str, group: str, key: str, message: str, name: str, about: str
    ) -> tuple | None:
        """The three steps for an Event known by its parts (with the default spam key): the Event
        `correlate_owned` describes, named `name`, with message `message`, both timestamps `stamp`
        (`now` in `format_time`'s text), keys `base`, `group` and `key`; `about` is the name of the
        object it is about.  The caller builds the Event only when it is written.

        Answers None when the spam filter drops it; `AS_BUILT` when it is created as built (not
        combined, not seen before); otherwise a verdict (combined, name, firstTimestamp, count,
        resourceVersion) for `owned_answer`: a count above 1 means a patch of the Event already written.
        For `AS_BUILT` the dedupe log is left without `key`: the caller puts in what it learns by
        writing the Event (`remember_created`, or `remember` of (1, stamp, name, "") when the write is
        refused), the one entry upstream's observe step and its update after the write leave there.

        The LRUs' maps are used directly: this runs for every Event a component records.  Taking an
        entry out and putting it back makes it the newest, as reading it does; only a new entry can
        overfill a map.  Worked example of the observation kept for a repeat: the log holds
        (2, "10:00:00Z", "p.1f", "41") for `key`; the verdict is (False, "p.1f", "10:00:00Z", 3, "41"),
        a patch of count 3, and the log keeps (3, "10:00:00Z", "p.1f", "41").
        """
        records, observations, buckets, lru_entries = self._maps
        # 1. aggregation.  A record found becomes the newest; one of this very instant keeps its tuple
        # (its message set grows in place), so it needs no new entry; an instant's gap to itself is 0.
        record = records.get(group)
        if record is None:
            messages = {message: None}
            records[group] = (messages, now)
            if len(records) > lru_entries:
                records.popitem(False)  # positional: no keyword parsing
        else:
            records.move_to_end(group)
            then = record[1]
            if (0.0 if then is now else (now - then).total_seconds()) > self.interval_seconds:
                messages = {message: None}
                records[group] = (messages, now)
            else:
                messages = record[0]
                messages[message] = None
                if then is not now:
                    records[group] = (messages, now)
        combined = len(messages) >= self.max_events
        if combined:
            del messages[next(iter(messages))]
            # the combined Event is named afresh and keyed for dedupe by the aggregate key
            name = self.make_name(about, now)
            key = group
        # 2. dedupe
        last = observations.pop(key, None)
        if last is not None and last[0] > 0:
            count, first_timestamp, name, resource_version = last
            count += 1
            observations[key] = (count, first_timestamp, name, resource_version or "")
            verdict = (combined, name, first_timestamp, count, resource_version)
        elif combined:
            observations[key] = (1, stamp, name, "")
            if last is None and len(observations) > lru_entries:
                observations.popitem(False)
            verdict = (True, name, stamp, 1, "")
        else:
            verdict = AS_BUILT  # the caller remembers it (see above)
        # 3. spam filter (`take_token`, restated for a bucket found or new)
        found = buckets.pop(base, None)
        burst = self.burst
        if found is None:
            tokens = float(burst)
            last_refill = now
        else:
            tokens, last_refill = found
            if last_refill is not now and now > last_refill:
                tokens += (now - last_refill).total_seconds() * self.qps
                last_refill = now
        if tokens > burst:
            tokens = float(burst)
        accepted = tokens >= 1.0
        if accepted:
            tokens -= 1.0
        buckets[base] = (tokens, last_refill)
        if found is None and len(buckets) > lru_entries:
            buckets.popitem(False)
        if accepted:
            return verdict
        if verdict is AS_BUILT:
            self.remember(key, (1, stamp, name, ""))
        return None

    @staticmethod
    def owned_answer(event: dict, verdict: tuple) -> tuple[dict, dict | None]:
        """(the event to write, the patch or None) for a `correlate_parts` verdict other than `AS_BUILT`,
        `event` being the Event it describes (the caller's own, changed in place or dropped)."""
        combined, name, first_timestamp, count, resource_version = verdict
        if combined:
            # The caller's event is dropped for the combined one, which takes over its object and
            # source dicts and its timestamps (`now`'s).
            stamp = event["lastTimestamp"]
            event = {
                "apiVersion": event["apiVersion"],
                "kind": "Event",
                "metadata": {"name": name, "namespace": event["metadata"]["namespace"]},
                "involvedObject": event["involvedObject"],
                "reason": event["reason"],
                "message": COMBINED_PREFIX + event["message"],
                "type": event["type"],
                "source": event["source"],
                "firstTimestamp": stamp,
                "lastTimestamp": stamp,
                "count": 1,
            }
        if count <= 1:
            return event, None
        metadata = event["metadata"]
        metadata["name"] = name
        if resource_version:
            metadata["resourceVersion"] = resource_version
        event["firstTimestamp"] = first_timestamp
        event["count"] = count
        patch = {"count": count, "lastTimestamp": event["lastTimestamp"]}
        if event["message"]:
            patch["message"] = event["message"]
        return event, patch

    def update_state(self, stored: dict) -> None:
        """Remember the server's copy (name, resourceVersion, count) under its full key."""
        meta = stored.get("metadata") or {}
        observation = (
            int(stored.get("count") or 0),
            stored.get("firstTimestamp") or "",
            meta.get("name", ""),
            meta.get("resourceVersion", ""),
        )
        self._log.add(event_key(stored), observation)

    def remember(self, key: str, observation: tuple) -> None:
        """Put `observation` into the dedupe log under `key`, which it does not hold (see
        `correlate_parts`), as the newest entry."""
        observations = self._observations
        observations[key] = observation
        if len(observations) > self.lru_entries:
            observations.popitem(False)

    def remember_created(self, key: str, stored: dict) -> None:
        """`remember` of what `update_created` keeps for `stored`, for a `key` the log does not hold."""
        meta = stored["metadata"]
        observations = self._observations
        observations[key] = (
            int(stored["count"] or 0),
            stored["firstTimestamp"] or "",
            meta["name"],
            meta["resourceVersion"],
        )
        if len(observations) > self.lru_entries:
            observations.popitem(False)

    def update_created(self, key: str, stored: dict) -> None:
        """`update_state` for the recorder's own event stored as it was built (created in process, the
        server's copy the same dict): its full key is `key`, the one `correlate_owned` was given, since
        the server adds only uid, creationTimestamp and resourceVersion to the metadata."""
        meta = stored["metadata"]
        observation = (int(stored["count"] or 0), stored["firstTimestamp"] or "", meta["name"], meta["resourceVersion"])
        observations = self._observations
        # Setting the entry and moving it to the end costs no allocation, where taking it out and
        # putting it back does; the map can only overfill if the entry was not there.
        observations[key] = observation
        observations.move_to_end(key)
        if len(observations) > self.lru_entries:
            observations.popitem(False)

    # ---- the three steps ---------------------------------------------------------------------
    # The LRUs' maps are used directly here (get + move_to_end, set + move_to_end + trim): these
    # run for every event a component records.

    def _aggregate(self, event: dict, base: str, now: datetime) -> tuple[dict, str]:
        group, message = aggregate_key(event, base)
        similar = self._similar
        items = similar._items
        record = items.get(group)
        if record is not None:
            items.move_to_end(group)
        if record is None or (now - record[1]).total_seconds() > self.interval_seconds:
            messages: dict[str, None] = {}
        else:
            messages = record[0]
        messages[message] = None
        items[group] = (messages, now)
        items.move_to_end(group)
        if len(items) > similar.size:
            items.popitem(last=False)
        if len(messages) < self.max_events:
            return event, event_key(event)
        del messages[next(iter(messages))]
        return self._combine(event, message, now), group

    def _combine(self, event: dict, message: str, now: datetime) -> dict:
        """The "(combined from similar events)" Event standing for `event` and its similar ones."""
        stamp = format_time(now)
        ref = event.get("involvedObject") or {}
        return {
            "apiVersion": event.get("apiVersion", "v1"),
            "kind": "Event",
            "metadata": {
                "name": self.make_name(ref.get("name", ""), now),
                "namespace": (event.get("metadata") or {}).get("namespace", ""),
            },
            "involvedObject": dict(ref),
            "reason": event.get("reason", ""),
            "message": COMBINED_PREFIX + message,
            "type": event.get("type", ""),
            "source": dict(event.get("source") or {}),
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }

    def _observe(self, event: dict, key: str, in_place: bool = False) -> tuple[dict, dict | None]:
        metadata = event.get("metadata")
        if in_place and type(metadata) is dict:
            observed = event
        else:
            observed = dict(event)
            metadata = observed["metadata"] = dict(metadata or {})
        log = self._log
        items = log._items
        last = items.get(key)
        patch = None
        if last is not None:
            items.move_to_end(key)
            if last[0] > 0:
                count, first_timestamp, name, resource_version = last
                metadata["name"] = name
                if resource_version:
                    metadata["resourceVersion"] = resource_version
                observed["firstTimestamp"] = first_timestamp
                observed["count"] = count + 1
                patch = {"count": count + 1, "lastTimestamp": observed.get("lastTimestamp")}
                if observed.get("message"):
                    patch["message"] = observed["message"]
        items[key] = (
            int(observed.get("count") or 0),
            observed.get("firstTimestamp") or "",
            metadata.get("name", ""),
            metadata.get("resourceVersion", ""),
        )
        items.move_to_end(key)
        if len(items) > log.size:
            items.popitem(last=False)
        return observed, patch

    def _spam(self, key: object, now: datetime) -> bool:
        buckets = self._buckets
        items = buckets._items
        found = items.get(key)
        if found is not None:
            items.move_to_end(key)
        tokens, last = found or (float(self.burst), now)
        accepted, tokens, last = take_token(tokens, last, now, self.qps, self.burst)
        items[key] = (tokens, last)
        items.move_to_end(key)
        if len(items) > buckets.size:
            items.popitem(last=False)
        return not accepted
