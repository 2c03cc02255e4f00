// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractProxyModel>
#include <QHash>
#include <QPersistentModelIndex>
#include <climits>
#include <vector>

namespace dmr::console {

class DeviceTableModel;

// The device table grouped by one label: a row per value of the label
// (and one "(no NAME)" row for devices without it), with the devices under
// it, and the group's counts in its text ("location=lab — 12 devices: 10
// online, 2 offline, 3 alerting"). Sits on the DeviceFilterProxyModel, so the
// search narrows and the sort orders the devices within each group; groups
// are in the order of their values.
//
// Every change of the source (a re-sort, rows in or out) is one layout
// change here, as QSortFilterProxyModel::invalidate() does it: the grouping
// is rebuilt in one pass over the rows, and persistent indexes (selection,
// expanded groups) follow their device or group. A refresh that changes
// values but no device's group only updates the counts.
//
// The devices' own dataChanged waits for the end of the device model's
// refresh, and is dropped when a layout change came meanwhile (a re-sort by
// a live column, most refreshes): a view lays out and repaints everything
// after a layout change anyway, and QTreeView spends time per row on a
// dataChanged (a visual rect each), which for 10,000 devices four times a
// second was most of what grouping cost.
class DeviceGroupProxyModel : public QAbstractProxyModel
{
    Q_OBJECT
public:
    struct Counts
    {
        int devices = 0;
        int online = 0;
        int offline = 0;
        int alerting = 0; // devices with at least one firing alert
    };

    explicit DeviceGroupProxyModel(QObject *parent = nullptr);

    // A DeviceFilterProxyModel over a DeviceTableModel, or the table model.
    void setSourceModel(QAbstractItemModel *model) override;
    // The label to group by; empty: no grouping, no rows, and nothing
    // rebuilt while the table shows the flat list.
    void setGroupKey(const QString &key);
    QString groupKey() const { return m_key; }

    bool isGroup(const QModelIndex &index) const;
    // The group's label value; `has` false for the "(no NAME)" group.
    QString groupValue(int group, bool *has = nullptr) const;
    Counts groupCounts(int group) const;
    // Full rebuilds so far, and the time they took (gui-bench prints both).
    quint64 rebuilds() const { return m_rebuilds; }
    qint64 rebuildNs() const { return m_rebuildNs; }

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QModelIndex sibling(int row, int column, const QModelIndex &index) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    void multiData(const QModelIndex &index, QModelRoleDataSpan roleDataSpan) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QModelIndex buddy(const QModelIndex &index) const override;
    QModelIndex mapToSource(const QModelIndex &proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex &sourceIndex) const override;
    // Sorts the source: the devices within each group follow.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

private:
    struct Group
    {
        bool has = false;
        QString value;
        std::vector<int> rows; // source rows, in the source's order
        Counts counts;
        // The devices' changed rows under this group, to announce at flush.
        int dirtyFrom = INT_MAX;
        int dirtyTo = -1;
    };
    // A persistent index's identity across a rebuild: its group, or its
    // source index (which the source keeps up to date).
    struct Saved
    {
        bool group = false;
        bool has = false;
        QString value;
        int column = 0;
        QPersistentModelIndex source;
    };

    void beginChange();
    void endChange();
    void sourceDataChanged(
        const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles);
    // Announces the devices' changes sourceDataChanged() collected.
    void flushDataChanged();
    void rebuild();
    // The value of the group label of source row `row`, without copying.
    const QString *valueOf(int row) const;
    int deviceRow(int sourceRow) const;
    void clearDirty();
    void recount();
    QString groupText(const Group &group) const;
    int groupIndex(bool has, const QString &value) const;

    QString m_key;
    const DeviceTableModel *m_devices = nullptr;
    std::vector<Group> m_groups;
    // The source's columns, asked once per rebuild: a tree laying out its
    // rows asks index() thousands of times, and a proxy's columnCount() is
    // a lookup of its own.
    int m_columns = 0;
    QHash<QString, int> m_byValue; // label value -> group
    int m_noValue = -1; // the "(no NAME)" group, -1 when none
    std::vector<int> m_groupOf; // source row -> group
    // source row -> the device model's row, for counts without mapping again
    std::vector<int> m_deviceOf;
    bool m_dirty = false; // some group has dirtyFrom..dirtyTo
    bool m_flushQueued = false;
    int m_dirtyColumnFrom = INT_MAX;
    int m_dirtyColumnTo = -1;
    QList<int> m_dirtyRoles;
    std::vector<int> m_rowInGroup; // source row -> row under its group
    // The source seen as a proxy (DeviceFilterProxyModel), to map its rows
    // to the device model's; null when the source is the device model.
    const QAbstractProxyModel *m_filter = nullptr;
    bool m_changing = false;
    bool m_batch = false; // inside the filter's updateAboutToStart/updateFinished
    QModelIndexList m_savedFrom;
    std::vector<Saved> m_saved;
    QList<QMetaObject::Connection> m_connections;
    quint64 m_rebuilds = 0;
    qint64 m_rebuildNs = 0;
};

} // namespace dmr::console
