// SPDX-License-Identifier: MIT
#pragma once

#include <QMetaType>
#include <QString>
#include <optional>

namespace dmr::console {

// An operator's change to the devices themselves rather than to their
// history: a display name, a deletion, or two device ids made one (a board
// reinstalled with a new machine-id). The window and the REST API ask the
// store writer for it (ConsoleService::changeDevice); the writer applies it
// in one transaction (StoreWriter::changeDevice).
struct DeviceChange
{
    enum class Kind { Rename, Delete, Merge };

    // Longest display name, as long as the longest hostname.
    static constexpr int kMaxDisplayNameLength = 253;

    // A display name as typed: trimmed; nullopt with the reason when it is
    // too long or holds control characters. Empty clears the name (the
    // hostname is shown again). Both edges (REST and the window) check with it.
    static std::optional<QString> checkDisplayName(const QString &text, QString *error);

    quint64 id = 0; // the caller's, to find its answer among the writer's
    Kind kind = Kind::Rename;
    QString uuid; // the device renamed or deleted; of a merge, the one that stays
    QString from; // of a merge: the device whose history moves to `uuid`, then goes
    QString displayName; // of a rename, checked by checkDisplayName()
};

// What became of a DeviceChange, and what the views that keep devices in
// memory (ingest's registry, the REST API's cache, the window's table) need
// to forget or update.
struct DeviceChangeResult
{
    enum class Status {
        Done,
        NotFound, // no device with one of the uuids
        Refused, // a device merged into itself
        Failed, // a database error; nothing changed
    };

    DeviceChange change;
    Status status = Status::Failed;
    QString error; // why, unless Done
    // Of the devices named, as they were: device_id is what ingest knows them by.
    QString deviceId;
    QString hostname;
    QString fromDeviceId;
    QString fromHostname;
    // Of a merge: the display name the device now has (the source's when it had none).
    QString displayName;
    qint64 samples = 0; // system samples deleted (delete) or moved (merge)
    // Why a Delete that nobody asked for came: forgotten after --forget-after.
    bool forgotten = false;

    bool done() const { return status == Status::Done; }
};

} // namespace dmr::console

Q_DECLARE_METATYPE(dmr::console::DeviceChange)
Q_DECLARE_METATYPE(dmr::console::DeviceChangeResult)
