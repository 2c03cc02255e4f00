// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <array>
#include <atomic>

namespace dmr::console {

// Why the console refused a datagram: the codec's reasons plus the ones the
// device registry adds. Each has its own counter.
enum class Rejection {
    Oversize,
    Empty,
    Malformed,
    Unsupported,
    Invalid,
    Duplicate, // a sequence number already seen in this run: a replay or a resend
    Stale, // older than the replay window
    Unsigned, // protected less than the console or the device requires
    BadSignature, // signed, but the HMAC does not match
    Undecryptable, // encrypted, but does not decrypt and authenticate
    UnknownDevice, // names a key the console does not have
    KeyMismatch, // the key belongs to another device than the report names
    ClockSkew, // sent further from the console's time than the bound allows
    Count
};

QString rejectionName(Rejection reason);

// The console's ingest counters. Written by the ingest and store threads,
// read by anyone. The identity received = accepted + rejected holds at any
// quiet moment, and accepted = persisted + dropped + queued.
struct IngestCounters
{
    std::atomic<quint64> received {0};
    std::atomic<quint64> accepted {0};
    std::array<std::atomic<quint64>, static_cast<int>(Rejection::Count)> rejected {};
    std::atomic<quint64> persisted {0};
    std::atomic<quint64> dropped {0};
    std::atomic<quint64> writeErrors {0};
    // Accepted reports whose hardware facts hash the console did not know
    // (dmr::FactsCache::Outcome::Unknown): stored without temperatures and
    // file systems. Many right after a restart are expected; a steady rise
    // means the agents' full facts do not arrive.
    std::atomic<quint64> factsUnknown {0};

    void reject(Rejection reason)
    {
        rejected[static_cast<int>(reason)].fetch_add(1, std::memory_order_relaxed);
    }
    quint64 rejectedTotal() const;
    quint64 rejectedFor(Rejection reason) const
    {
        return rejected[static_cast<int>(reason)].load();
    }
    // "received=10 accepted=9 rejected=1 (malformed=1) persisted=9 dropped=0"
    QString summary() const;
};

} // namespace dmr::console
