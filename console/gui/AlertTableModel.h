// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

namespace dmr::console {

// Alerts as GET /api/alerts/ gives them, one row each, for the alerts
// dialog: filled by one request, then kept current by the changes alerting
// announces (AlertService::alertsChanged), without asking the store again.
class AlertTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        State,
        Severity,
        Device,
        Rule,
        Summary,
        Raised,
        Cleared,
        Acknowledged,
        SilencedUntil,
        ColumnCount
    };
    enum Role {
        IdRole = Qt::UserRole + 1,
        SortRole, // raw values: times sort as times
        FiringRole,
    };

    explicit AlertTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The list answered; `firingOnly` when it was asked for what fires only,
    // so that alerts which resolve later leave it.
    void setAlerts(const QJsonArray &alerts, bool firingOnly);
    // Alerts raised, cleared, acknowledged or silenced: rows change in
    // place, new alerts are added.
    void apply(const QJsonArray &changed);
    QJsonObject alert(int row) const;
    int rowOf(qint64 id) const;
    bool firingOnly() const { return m_firingOnly; }

private:
    QList<QJsonObject> m_alerts;
    static constexpr qsizetype kRowByRow = 32; // larger batches: one reset
    bool m_firingOnly = false;
};

} // namespace dmr::console
