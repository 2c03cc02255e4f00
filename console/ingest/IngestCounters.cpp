// SPDX-License-Identifier: MIT
#include "ingest/IngestCounters.h"

#include <QStringList>

namespace dmr::console {

QString rejectionName(Rejection reason)
{
    switch (reason) {
    case Rejection::Oversize:
        return QStringLiteral("oversize");
    case Rejection::Empty:
        return QStringLiteral("empty");
    case Rejection::Malformed:
        return QStringLiteral("malformed");
    case Rejection::Unsupported:
        return QStringLiteral("unsupported");
    case Rejection::Invalid:
        return QStringLiteral("invalid");
    case Rejection::Duplicate:
        return QStringLiteral("duplicate");
    case Rejection::Stale:
        return QStringLiteral("stale");
    case Rejection::Unsigned:
        return QStringLiteral("unsigned");
    case Rejection::BadSignature:
        return QStringLiteral("bad_signature");
    case Rejection::Undecryptable:
        return QStringLiteral("undecryptable");
    case Rejection::UnknownDevice:
        return QStringLiteral("unknown_device");
    case Rejection::KeyMismatch:
        return QStringLiteral("key_mismatch");
    case Rejection::ClockSkew:
        return QStringLiteral("clock_skew");
    case Rejection::Count:
        break;
    }
    return QStringLiteral("unknown");
}

quint64 IngestCounters::rejectedTotal() const
{
    quint64 total = 0;
    for (const auto &counter : rejected)
        total += counter.load();
    return total;
}

QString IngestCounters::summary() const
{
    QStringList reasons;
    for (int i = 0; i < static_cast<int>(Rejection::Count); ++i) {
        if (const quint64 n = rejected[i].load())
            reasons << QStringLiteral("%1=%2").arg(rejectionName(Rejection(i))).arg(n);
    }
    QString text = QStringLiteral("received=%1 accepted=%2 rejected=%3")
                       .arg(received.load())
                       .arg(accepted.load())
                       .arg(rejectedTotal());
    if (!reasons.isEmpty())
        text += QStringLiteral(" (") + reasons.join(QLatin1Char(' ')) + QLatin1Char(')');
    text += QStringLiteral(" persisted=%1 dropped=%2").arg(persisted.load()).arg(dropped.load());
    if (const quint64 errors = writeErrors.load())
        text += QStringLiteral(" write_errors=%1").arg(errors);
    if (const quint64 unknown = factsUnknown.load())
        text += QStringLiteral(" facts_unknown=%1").arg(unknown);
    return text;
}

} // namespace dmr::console
