// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace dmr::console {

// The fields of one alert rule, for the rules dialog: filled from the API's
// JSON of a rule, and read back as the body of its POST or PUT. Checks
// nothing itself: the alerting service does, and the dialog shows its
// answer, so the window and the REST API refuse the same rules alike.
class RuleForm : public QWidget
{
    Q_OBJECT
public:
    enum class Scope { Every, Device, Labels };

    explicit RuleForm(QWidget *parent = nullptr);

    // A rule of GET /api/rules/; an empty object for a new rule's defaults.
    void setRule(const QJsonObject &rule);
    // The rule shown; 0 for a new one.
    qint64 ruleId() const { return m_id; }
    // The body of POST /api/rules/ or PUT /api/rules/{id}/: every field, so
    // that a PUT leaves nothing of the old rule that the form does not show.
    QJsonObject body() const;

    QLineEdit *nameEdit() const { return m_name; }
    QComboBox *metricBox() const { return m_metric; }
    QComboBox *comparisonBox() const { return m_comparison; }
    QDoubleSpinBox *raiseBox() const { return m_raise; }
    QCheckBox *separateClearBox() const { return m_separateClear; }
    QDoubleSpinBox *clearBox() const { return m_clear; }
    QSpinBox *forBox() const { return m_for; }
    QComboBox *severityBox() const { return m_severity; }
    QComboBox *scopeBox() const { return m_scope; }
    QLineEdit *scopeEdit() const { return m_scopeText; }
    QCheckBox *enabledBox() const { return m_enabled; }
    void setScope(Scope scope);

private:
    void updateEnabled();

    // The id is shown in m_title ("Rule 7"): the form keeps what it shows.
    qint64 m_id = 0;
    QLabel *m_title;
    QLineEdit *m_name;
    QComboBox *m_metric;
    QComboBox *m_comparison;
    QDoubleSpinBox *m_raise;
    QCheckBox *m_separateClear;
    QDoubleSpinBox *m_clear;
    QSpinBox *m_for;
    QComboBox *m_severity;
    QComboBox *m_scope;
    QLineEdit *m_scopeText;
    QCheckBox *m_enabled;
};

} // namespace dmr::console
