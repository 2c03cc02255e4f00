// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QString>
#include <optional>

namespace dmr::console {

// A .env file: KEY=VALUE lines, # comments, optional quotes and `export `.
class EnvFile
{
public:
    // nullopt when the file cannot be read (a missing ./.env is normal).
    static std::optional<EnvFile> load(const QString &path, QString *error);
    static EnvFile parse(const QByteArray &text);

    bool contains(const QString &key) const { return m_values.contains(key); }
    QString value(const QString &key) const { return m_values.value(key); }

private:
    QHash<QString, QString> m_values;
};

} // namespace dmr::console
