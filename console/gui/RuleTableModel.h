// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

namespace dmr::console {

// The alert rules as GET /api/rules/ gives them, one row each, for the rules
// dialog. Replaced whole at each answer: a handful of rules, read when the
// dialog opens and after each change it makes.
class RuleTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Name,
        Metric,
        Comparison,
        Raise,
        Clear,
        For,
        Severity,
        Scope,
        Enabled,
        ColumnCount
    };
    enum Role {
        IdRole = Qt::UserRole + 1,
    };

    explicit RuleTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setRules(const QJsonArray &rules);
    // The rule's JSON, for the edit form; empty past the end.
    QJsonObject rule(int row) const;
    // -1 when no row has that id.
    int rowOf(qint64 id) const;

    // "every device", "device 3f2a…", "labels room=lab": whom a rule watches.
    static QString scopeText(const QJsonObject &rule);

private:
    QList<QJsonObject> m_rules;
};

} // namespace dmr::console
