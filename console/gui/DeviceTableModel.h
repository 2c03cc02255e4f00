// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/AlertService.h"
#include "store/DeviceChange.h"
#include "store/DeviceOverview.h"

#include <QAbstractTableModel>
#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QMap>
#include <QSet>
#include <QTimer>
#include <functional>
#include <vector>

namespace dmr::console {

// Every known device, one row each, with its live status. Updates arrive in
// bursts (one per datagram batch, hundreds a second, and a store snapshot a
// second); they are collected and applied at most four times a second, and
// the status and "last seen" columns are re-evaluated once a second even when
// nothing arrives, so a silent device turns offline on time.
//
// Labels come from the store's rows and, as they change, from alerting
// (setLabels). The heartbeat column is derived from the arrivals this model
// already sees; see Beats.
class DeviceTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Status,
        Hostname, // "Name": the display name when the device has one, else its hostname
        DeviceId,
        Uuid,
        Cpu,
        Memory,
        Disk,
        Load1,
        Load5,
        Load15,
        Uptime,
        LastSeen,
        Lost,
        Alerts, // the worst firing severity and how many fire
        Heartbeat, // a mark per expected report since the window watched (HeartbeatRole)
        Labels, // "location=lab, role=gateway"
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // raw values: numbers sort as numbers
        UuidRole,
        OnlineRole,
        HostnameRole, // the hostname, also where the display name is shown
        // HeartbeatMark characters, oldest first, kHeartbeatMarks of them;
        // on the Heartbeat column only, computed when asked (for the rows
        // on screen), never per refresh.
        HeartbeatRole,
    };
    static constexpr int kHeartbeatMarks = 30;
    using Clock = std::function<qint64()>; // ms since the epoch

    explicit DeviceTableModel(Clock clock = {}, QObject *parent = nullptr);

    void setOfflineAfterSeconds(int seconds);
    int offlineAfterSeconds() const { return m_offlineAfterSeconds; }
    // 0 stops the timer (tests call refresh() themselves).
    void setRefreshIntervalMs(int ms);

    // Without QAbstractTableModel's virtual rowCount() and columnCount() calls:
    // a proxy sorting 10,000 rows asks for ~280,000 indexes.
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    // Every role a delegate asks for, for one cell at a time.
    void multiData(const QModelIndex &index, QModelRoleDataSpan roleDataSpan) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const DeviceOverview *rowFor(const QString &uuid) const;
    // SortRole's order without building QVariants: what a proxy sorting
    // 10,000 rows four times a second calls.
    bool lessThan(int leftRow, int rightRow, int column) const;
    // Whether the last refresh can have changed the order by `column`, or
    // which rows a search matches (rows added, a hostname or device_id
    // changed, a status flipped): sorted by name, most refreshes need no sort.
    bool orderMayHaveChanged(int column) const;
    bool namesChanged() const { return m_namesChanged; }
    // Whether the last refresh changed a device's labels (or added devices).
    bool labelsChanged() const { return m_labelsChanged; }
    // By row, without a QVariant: what the search and the grouping read.
    const QMap<QString, QString> &labelsAt(int row) const
    {
        return m_entries[std::size_t(row)].row.labels;
    }
    bool onlineAt(int row) const { return m_entries[std::size_t(row)].online; }
    bool alertingAt(int row) const { return alertsOf(m_entries[std::size_t(row)]) != nullptr; }
    // Every label name some device has, sorted.
    QStringList labelKeys() const { return m_labelKeys; }
    QByteArray heartbeatAt(int row) const { return heartbeat(m_entries[std::size_t(row)]); }
    int onlineCount() const { return m_online; }
    quint64 refreshes() const { return m_refreshes; }

public slots:
    // Live registry state (ConsoleService::devicesUpdated).
    void applySnapshots(const QList<DeviceSnapshot> &devices);
    // Rows read from the store, with the newest values.
    void applyRows(const QList<DeviceOverview> &rows);
    // Applies what is pending and re-evaluates the status of every device.
    void refresh();
    // The store renamed, deleted or merged a device (ConsoleService::deviceChanged).
    // A deleted device's row goes at once, and late updates about it are ignored.
    void applyDeviceChange(const DeviceChangeResult &result);
    // What fires now (AlertService::firingChanged): the Alerts column, and
    // the cells of the alerts' metrics coloured by severity.
    void setFiring(const QList<AlertService::Firing> &firing);
    // A device's labels changed (AlertService::labelsChanged); shown at the
    // next refresh.
    void setLabels(const QString &uuid, const QMap<QString, QString> &labels);

signals:
    void countsChanged(int online, int total);
    // After each refresh that changed something: sorted views re-sort now.
    void refreshed();
    // A known device went offline or came back.
    void deviceOnlineChanged(const QString &uuid, const QString &name, bool online);
    // The label names some device has changed (labelKeys()).
    void labelKeysChanged(const QStringList &keys);

private:
    // The heartbeat column's arrivals. Slots are one report interval wide
    // and centred on the device's own rhythm (its first arrival seen), so
    // that the jitter of arrivals near a slot's edge does not read as a
    // lost report. A bit per slot, newest in bit 0: the column shows 30,
    // and the bits further back tell whether a gap began long enough ago
    // for the device to have been offline (missing) or not (lost).
    //
    // Why not presence's strip from alerting: that is one store query per
    // device, and the table would need one for every row every few
    // seconds; these bits cost a shift per arrival the model merges anyway.
    // The price is that the column starts at the window's first sight of
    // each device (grey before it); the device view shows presence's
    // strip, from the store, for as far back as it goes.
    struct Beats
    {
        qint64 anchor = 0; // ms of slot 0's expected arrival, the first one watched
        qint64 intervalMs = 0; // 0: nothing seen yet
        qint64 last = 0; // the newest slot with an arrival
        quint64 bits = 0; // bit i: slot last - i had an arrival
        quint64 received = 0; // the device's reportsReceived at the last arrival
    };
    struct Entry
    {
        DeviceOverview row; // what the view shows
        // The newest values, shown at the next refresh; valid while pending.
        DeviceOverview next;
        bool pending = false;
        bool online = false;
        QString labelsText; // row.labels as the Labels column shows them
        // When setLabels() last set the labels: until kLiveLabelsHoldMs
        // later, the store's rows do not take them back.
        qint64 liveLabelsAt = 0;
        Beats beats;
    };
    // Merges an update into its row's pending values, or into m_added.
    void stage(const DeviceOverview &update);
    // The row's device reported since the last refresh (or is new).
    static void recordArrival(Entry *entry);
    QByteArray heartbeat(const Entry &entry) const;
    double heartbeatKey(const Entry &entry) const;
    QString heartbeatToolTip(const Entry &entry) const;
    void updateLabelKeys();
    void removeRow(const QString &uuid);
    struct DeviceAlerts
    {
        int worst = 0; // 1 warning, 2 critical
        int count = 0;
        QHash<int, int> cells; // column: its worst severity
        QStringList summaries;
    };
    const DeviceAlerts *alertsOf(const Entry &entry) const;
    QVariant roleData(const Entry &entry, int column, int role) const;
    QVariant display(const Entry &entry, int column) const;
    QVariant sortValue(const Entry &entry, int column) const;
    double numericKey(const Entry &entry, int column) const;

    Clock m_clock;
    int m_offlineAfterSeconds = 60;
    std::vector<Entry> m_entries;
    // lessThan's numeric keys of m_sortKeyColumn, one per row; -1: none.
    mutable std::vector<double> m_sortKeys;
    mutable std::vector<QString> m_sortTexts; // for the text columns
    mutable int m_sortKeyColumn = -1;
    bool m_namesChanged = true;
    bool m_labelsChanged = true;
    bool m_labelKeysDirty = false; // a device was removed: its names may go
    QStringList m_labelKeys;
    // Labels that came before their device's first row (uuid -> labels, time).
    QHash<QString, std::pair<QMap<QString, QString>, qint64>> m_labelsAhead;
    bool m_onlineChanged = true;
    QHash<QString, DeviceAlerts> m_alerts; // by uuid
    bool m_alertsChanged = false;
    bool m_alertsPending = false;
    QHash<QString, int> m_rowOf; // uuid -> row
    // Updates are merged as they arrive into their row's `next`, so that a
    // refresh only copies the changed rows over instead of looking each one
    // up again.
    std::vector<int> m_pendingRows;
    QHash<QString, DeviceOverview> m_added; // uuid -> new device, not yet shown
    QSet<QString> m_removed; // uuids of deleted and merged devices
    QTimer m_timer;
    qint64 m_lastTick = 0;
    qint64 m_now = 0; // the clock at the last refresh: what the view shows
    int m_online = 0;
    quint64 m_refreshes = 0;
};

} // namespace dmr::console
