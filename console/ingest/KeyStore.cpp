// SPDX-License-Identifier: MIT
#include "ingest/KeyStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTextStream>
#include <algorithm>
#include <sys/stat.h>

namespace dmr::console {

namespace {

bool readableByOthers(const QString &path)
{
    const QFileDevice::Permissions perms = QFileInfo(path).permissions();
    return perms
        & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup
            | QFileDevice::WriteOther);
}

} // namespace

bool KeyStore::load(const QString &path, QString *error)
{
    m_byKey.clear();
    m_byDevice.clear();
    QFile file(path);
    if (!file.exists())
        return true;
    if (readableByOthers(path)) {
        *error = QStringLiteral("key file %1 can be read or written by others than its owner; "
                                "fix with: chmod 600 %1")
                     .arg(path);
        return false;
    }
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = QStringLiteral("cannot read key file %1: %2").arg(path, file.errorString());
        return false;
    }
    int number = 0;
    while (!file.atEnd()) {
        ++number;
        QString line = QString::fromUtf8(file.readLine());
        line = line.left(line.indexOf(QLatin1Char('#'))).trimmed();
        if (line.isEmpty())
            continue;
        const QStringList fields = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        Entry entry;
        std::optional<dmr::Key> key;
        std::optional<dmr::Security> level = dmr::Security::Sign;
        if (fields.size() >= 2)
            key = dmr::Key::fromText(fields[1].toStdString());
        if (fields.size() == 3)
            level = dmr::parseSecurity(fields[2].toStdString());
        if (fields.size() < 2 || fields.size() > 3 || !key || !level) {
            *error = QStringLiteral("key file %1 line %2: expected DEVICE_ID KEY_ID:KEY_HEX "
                                    "[sign|encrypt]")
                         .arg(path)
                         .arg(number);
            return false;
        }
        entry.deviceId = fields[0];
        entry.key = *key;
        entry.level = *level;
        if (m_byKey.contains(key->id)) {
            *error = QStringLiteral("key file %1 line %2: key id %3 is used twice")
                         .arg(path)
                         .arg(number)
                         .arg(key->id);
            return false;
        }
        // A later line for the same device replaces an earlier one.
        if (const auto old = m_byDevice.constFind(entry.deviceId); old != m_byDevice.constEnd())
            m_byKey.remove(*old);
        m_byDevice.insert(entry.deviceId, key->id);
        m_byKey.insert(key->id, entry);
    }
    return true;
}

std::optional<KeyStore::Entry> KeyStore::add(
    const QString &path, const QString &deviceId, dmr::Security level, QString *error)
{
    if (deviceId.isEmpty() || deviceId.size() > 64 || deviceId.contains(QLatin1Char(' '))
        || deviceId.contains(QLatin1Char('#'))) {
        *error = QStringLiteral("a device id is 1 to 64 printable characters without spaces");
        return std::nullopt;
    }
    if (!load(path, error))
        return std::nullopt;
    Entry entry;
    entry.deviceId = deviceId;
    entry.level = level == dmr::Security::None ? dmr::Security::Sign : level;
    do
        entry.key = dmr::Key::generate();
    while (m_byKey.contains(entry.key.id));
    if (const auto old = m_byDevice.constFind(deviceId); old != m_byDevice.constEnd())
        m_byKey.remove(*old);
    m_byDevice.insert(deviceId, entry.key.id);
    m_byKey.insert(entry.key.id, entry);
    if (!save(path, error))
        return std::nullopt;
    return entry;
}

bool KeyStore::save(const QString &path, QString *error) const
{
    const QString directory = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(directory)) {
        *error = QStringLiteral("cannot create %1").arg(directory);
        return false;
    }
    // Owner only from the first byte: no moment in which others could read it.
    // (umask is process-wide; keys are written by the `keys` command alone.)
    const mode_t oldMask = ::umask(0077);
    QSaveFile file(path);
    const bool opened = file.open(QIODevice::WriteOnly);
    ::umask(oldMask);
    if (!opened) {
        *error = QStringLiteral("cannot write key file %1: %2").arg(path, file.errorString());
        return false;
    }
    QList<Entry> entries = m_byKey.values();
    std::sort(entries.begin(), entries.end(),
        [](const Entry &a, const Entry &b) { return a.deviceId < b.deviceId; });
    QTextStream out(&file);
    out << "# metrics-console device keys: DEVICE_ID KEY_ID:KEY_HEX [sign|encrypt]\n"
           "# Secret: keep this file mode 0600. Add keys with: metrics-console keys add "
           "DEVICE_ID\n";
    for (const Entry &entry : entries)
        out << entry.deviceId << ' ' << QString::fromStdString(entry.key.toText()) << ' '
            << dmr::securityName(entry.level) << '\n';
    out.flush();
    if (!file.commit()
        || !QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        *error = QStringLiteral("cannot write key file %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

const KeyStore::Entry *KeyStore::findKey(quint32 keyId) const
{
    const auto it = m_byKey.constFind(keyId);
    return it == m_byKey.constEnd() ? nullptr : &*it;
}

dmr::Security KeyStore::levelOf(const QString &deviceId) const
{
    const auto it = m_byDevice.constFind(deviceId);
    return it == m_byDevice.constEnd() ? dmr::Security::None : m_byKey.value(*it).level;
}

QString KeyStore::agentLine(const Entry &entry)
{
    return QString::fromStdString(entry.key.toText());
}

} // namespace dmr::console
