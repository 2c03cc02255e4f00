// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Seal.h"

#include <QHash>
#include <QString>
#include <optional>

namespace dmr::console {

// The console's device keys, one line each in its key file:
//
//     DEVICE_ID KEY_ID:KEY_HEX [LEVEL]
//
// LEVEL (sign or encrypt, default sign) is the least that device must use.
// '#' starts a comment. The file holds secrets: the console refuses one that
// others than its owner can read, and writes it with mode 0600.
class KeyStore
{
public:
    struct Entry
    {
        QString deviceId;
        dmr::Key key;
        dmr::Security level = dmr::Security::Sign;
    };

    // Reads the file; a missing file is an empty store. On error says which line.
    bool load(const QString &path, QString *error);
    // Creates a key for a device (replacing its old one), rewrites the file
    // atomically with mode 0600 and returns the new entry.
    std::optional<Entry> add(
        const QString &path, const QString &deviceId, dmr::Security level, QString *error);

    const Entry *findKey(quint32 keyId) const;
    // The level a device must use: its own, or None when it has no key.
    dmr::Security levelOf(const QString &deviceId) const;
    int size() const { return int(m_byKey.size()); }

    // The line for the agent's key file: "KEY_ID:KEY_HEX".
    static QString agentLine(const Entry &entry);

private:
    bool save(const QString &path, QString *error) const;

    QHash<quint32, Entry> m_byKey;
    QHash<QString, quint32> m_byDevice;
};

} // namespace dmr::console
