// SPDX-License-Identifier: MIT
#include "config/EnvFile.h"

#include <QFile>

namespace dmr::console {

std::optional<EnvFile> EnvFile::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    return parse(file.read(1024 * 1024));
}

EnvFile EnvFile::parse(const QByteArray &text)
{
    EnvFile env;
    for (QByteArray line : text.split('\n')) {
        line = line.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        if (line.startsWith("export "))
            line = line.mid(7).trimmed();
        const int equals = line.indexOf('=');
        if (equals <= 0)
            continue;
        const QString key = QString::fromUtf8(line.left(equals).trimmed());
        QByteArray value = line.mid(equals + 1).trimmed();
        // A quoted value ends at its closing quote; a comment may follow it.
        const int close = value.isEmpty() || (value.front() != '"' && value.front() != '\'')
            ? -1
            : int(value.indexOf(value.front(), 1));
        if (close > 0) {
            value = value.mid(1, close - 1);
        } else {
            const int comment = value.indexOf(" #");
            if (comment >= 0)
                value = value.left(comment).trimmed();
        }
        env.m_values.insert(key, QString::fromUtf8(value));
    }
    return env;
}

} // namespace dmr::console
