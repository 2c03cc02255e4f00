// SPDX-License-Identifier: MIT
#include "http/RequestHeaders.h"

#include <QHostAddress>
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

bool isLoopbackHost(const QByteArray &host)
{
    if (host.isEmpty())
        return true;
    QString name = QString::fromLatin1(host).toLower();
    if (name.startsWith(QLatin1Char('['))) {
        name = name.mid(1, name.indexOf(QLatin1Char(']')) - 1);
    } else if (name.count(QLatin1Char(':')) == 1) {
        name = name.section(QLatin1Char(':'), 0, 0);
    }
    if (name == QLatin1String("localhost") || name.endsWith(QLatin1String(".localhost")))
        return true;
    const QHostAddress address(name);
    return !address.isNull() && address.isLoopback();
}

} // namespace dmr::console::RequestHeaders
