// SPDX-License-Identifier: MIT
#pragma once

#include <QSortFilterProxyModel>

namespace dmr::console {

// The device table as the user narrows it: rows whose uuid, device_id or
// hostname contain the search text (any case), sorted on raw values.
// Sorting is not dynamic: when every row's CPU changes at once, Qt's dynamic
// sort moves rows one by one (700 ms for 10,000 devices); one full re-sort
// after each of the model's refreshes costs a fraction of that.
class DeviceTableModel;

class DeviceFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit DeviceFilterProxyModel(QObject *parent = nullptr);

    QString searchText() const { return m_text; }
    void setSourceModel(QAbstractItemModel *model) override;
    // One mapping per cell instead of one per role.
    void multiData(const QModelIndex &index, QModelRoleDataSpan roleDataSpan) const override;

public slots:
    void setSearchText(const QString &text);
    // Sorts again by the current column, keeping the selection.
    void resort();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    QString m_text;
    const DeviceTableModel *m_devices = nullptr;
};

} // namespace dmr::console
