// SPDX-License-Identifier: MIT
#pragma once

#include <QSortFilterProxyModel>

// The device table as the user narrows it: rows whose uuid, device_id or
// hostname contain the search text (any case), sorted on raw values.
class DeviceFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit DeviceFilterProxyModel(QObject *parent = nullptr);

    QString searchText() const { return m_text; }

public slots:
    void setSearchText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
};
