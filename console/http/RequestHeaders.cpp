// SPDX-License-Identifier: MIT
#include "http/RequestHeaders.h"

#include <QString>
#include <QUrl>

namespace dmr::console::RequestHeaders {

QByteArray cookie(const QByteArray &cookieHeader, const QByteArray &name)
{
    for (const QByteArray &part : cookieHeader.split(';')) {
        const QByteArray pair = part.trimmed();
        if (pair.startsWith(name + '='))
            return pair.mid(name.size() + 1);
    }
    return {};
}

QByteArray bearer(const QByteArray &authorization)
{
    return authorization.startsWith("Bearer ") ? authorization.mid(7).trimmed() : QByteArray();
}

bool sameOrigin(const QByteArray &origin, const QByteArray &host)
{
    if (origin.isEmpty())
        return true;
    const QUrl url(QString::fromLatin1(origin));
    if (!url.isValid() || url.host().isEmpty())
        return false; // "null" (a sandboxed page, a file) is no origin of ours
    QString named = url.host();
    if (url.port() != -1)
        named += QLatin1Char(':') + QString::number(url.port());
    QString expected = QString::fromLatin1(host);
    // An IPv6 origin's host comes without its brackets.
    if (expected.startsWith(QLatin1Char('[')))
        expected.remove(QLatin1Char('[')).remove(QLatin1Char(']'));
    // An origin without its default port matches a Host with it, and back.
    const auto bare = [](const QString &h) {
        for (const char *suffix : {":80", ":443"}) {
            if (h.endsWith(QLatin1String(suffix)))
                return h.chopped(int(qstrlen(suffix)));
        }
        return h;
    };
    return bare(named).compare(bare(expected), Qt::CaseInsensitive) == 0;
}

} // namespace dmr::console::RequestHeaders
