// SPDX-License-Identifier: MIT
#include "store/DatabaseLocation.h"

#include <QFile>
#include <QFileInfo>
#include <QUrl>
#include <QUrlQuery>

namespace dmr::console {

const QStringList &DatabaseLocation::allowedOptions()
{
    static const QStringList options {QStringLiteral("sslmode"), QStringLiteral("sslrootcert"),
        QStringLiteral("sslcert"), QStringLiteral("sslkey"), QStringLiteral("connect_timeout"),
        QStringLiteral("application_name"), QStringLiteral("target_session_attrs"),
        QStringLiteral("keepalives"), QStringLiteral("keepalives_idle"),
        QStringLiteral("keepalives_interval"), QStringLiteral("keepalives_count")};
    return options;
}

std::optional<DatabaseLocation> DatabaseLocation::parse(const QString &text, QString *error)
{
    DatabaseLocation location;
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        *error = QStringLiteral("the database is empty: a SQLite file or a postgresql:// URL");
        return std::nullopt;
    }
    if (!trimmed.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive)
        && !trimmed.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive)) {
        if (trimmed.contains(QLatin1String("://"))) {
            *error = QStringLiteral("%1: only postgresql:// URLs are databases; anything else is"
                                    " a SQLite file's path")
                         .arg(trimmed.section(QLatin1String("://"), 0, 0));
            return std::nullopt;
        }
        location.path = text;
        return location;
    }
    location.driver = Driver::Postgres;
    const QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid()) {
        *error = QStringLiteral("not a postgresql:// URL: %1").arg(url.errorString());
        return std::nullopt;
    }
    location.user = url.userName(QUrl::FullyDecoded);
    location.password = url.password(QUrl::FullyDecoded);
    location.host = url.host(QUrl::FullyDecoded);
    location.port = url.port(5432);
    if (location.port <= 0 || location.port > 65535) {
        *error = QStringLiteral("the port must be 1 to 65535");
        return std::nullopt;
    }
    location.database = url.path(QUrl::FullyDecoded).mid(1);
    if (location.database.contains(QLatin1Char('/'))) {
        *error = QStringLiteral("\"%1\" is not a database name").arg(location.database);
        return std::nullopt;
    }
    const QUrlQuery query(url);
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == QLatin1String("host")) {
            location.host = value; // a socket folder, typically
        } else if (key == QLatin1String("port")) {
            bool ok = false;
            location.port = value.toInt(&ok);
            if (!ok || location.port <= 0 || location.port > 65535) {
                *error = QStringLiteral("the port must be 1 to 65535, not \"%1\"").arg(value);
                return std::nullopt;
            }
        } else if (key == QLatin1String("dbname")) {
            location.database = value;
        } else if (key == QLatin1String("user")) {
            location.user = value;
        } else if (key == QLatin1String("password")) {
            location.password = value;
        } else if (key == QLatin1String("password_file")) {
            location.passwordFile = value;
        } else if (allowedOptions().contains(key)) {
            location.options.insert(key, value);
        } else {
            *error = QStringLiteral("unknown option \"%1\" (known: host, port, dbname, user,"
                                    " password_file, %2)")
                         .arg(key, allowedOptions().join(QLatin1String(", ")));
            return std::nullopt;
        }
    }
    if (location.host.isEmpty())
        location.host = QStringLiteral("localhost");
    return location;
}

QString DatabaseLocation::redacted() const
{
    if (!isPostgres())
        return path;
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    url.setUserName(user);
    const bool socket = host.startsWith(QLatin1Char('/'));
    if (!socket)
        url.setHost(host);
    url.setPort(port);
    url.setPath(QLatin1Char('/') + database);
    QUrlQuery query;
    if (socket)
        query.addQueryItem(QStringLiteral("host"), host);
    for (auto it = options.cbegin(); it != options.cend(); ++it)
        query.addQueryItem(it.key(), it.value());
    url.setQuery(query);
    return url.toString();
}

std::optional<QString> DatabaseLocation::resolvePassword(QString *error) const
{
    if (passwordFile.isEmpty())
        return password;
    const QFileInfo info(passwordFile);
    if (!info.isFile()) {
        *error = QStringLiteral("the password file %1 does not exist").arg(passwordFile);
        return std::nullopt;
    }
    // As libpq asks of .pgpass: a password others can read is no secret.
    const QFileDevice::Permissions others = QFileDevice::ReadGroup | QFileDevice::WriteGroup
        | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::WriteOther
        | QFileDevice::ExeOther;
    if (info.permissions() & others) {
        *error = QStringLiteral("the password file %1 can be read by others: chmod 600 it")
                     .arg(passwordFile);
        return std::nullopt;
    }
    QFile file(passwordFile);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the password file %1: %2")
                     .arg(passwordFile, file.errorString());
        return std::nullopt;
    }
    const QByteArray line = file.readLine(4096);
    QString secret = QString::fromUtf8(line);
    while (secret.endsWith(QLatin1Char('\n')) || secret.endsWith(QLatin1Char('\r')))
        secret.chop(1);
    if (secret.isEmpty()) {
        *error = QStringLiteral("the password file %1 is empty").arg(passwordFile);
        return std::nullopt;
    }
    return secret;
}

} // namespace dmr::console
