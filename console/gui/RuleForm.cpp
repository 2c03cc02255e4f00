// SPDX-License-Identifier: MIT
#include "gui/RuleForm.h"

#include "alerts/Rule.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonValue>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <cmath>

namespace dmr::console {

namespace {

// Rate rules count bytes per second, 10 GbE is 1.25e9; nothing else is larger.
constexpr double kThresholdLimit = 1e15;

} // namespace

RuleForm::RuleForm(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_name(new QLineEdit(this))
    , m_metric(new QComboBox(this))
    , m_comparison(new QComboBox(this))
    , m_raise(new QDoubleSpinBox(this))
    , m_separateClear(new QCheckBox(tr("at another value:"), this))
    , m_clear(new QDoubleSpinBox(this))
    , m_for(new QSpinBox(this))
    , m_severity(new QComboBox(this))
    , m_scope(new QComboBox(this))
    , m_scopeText(new QLineEdit(this))
    , m_enabled(new QCheckBox(tr("Enabled"), this))
{
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_name->setMaxLength(128);
    // The service's list: a metric it learns shows here without a change.
    m_metric->addItems(Rule::metrics());
    m_comparison->addItem(tr("above (>)"), QStringLiteral(">"));
    m_comparison->addItem(tr("below (<)"), QStringLiteral("<"));
    for (QDoubleSpinBox *box : {m_raise, m_clear}) {
        box->setRange(-kThresholdLimit, kThresholdLimit);
        box->setDecimals(2);
    }
    m_clear->setToolTip(tr("Where a firing alert ends. Below the raise threshold (above it for "
                           "\"below\" rules), a value wavering about the threshold does not "
                           "raise and clear the alert again and again."));
    m_for->setRange(0, 30 * 86400);
    m_for->setSuffix(tr(" s"));
    m_for->setToolTip(tr("How long the condition must hold before the alert fires"));
    m_severity->addItem(tr("warning"), Rule::severityName(Severity::Warning));
    m_severity->addItem(tr("critical"), Rule::severityName(Severity::Critical));
    m_scope->addItem(tr("every device"), int(Scope::Every));
    m_scope->addItem(tr("one device, by uuid:"), int(Scope::Device));
    m_scope->addItem(tr("devices with labels:"), int(Scope::Labels));

    auto *fires = new QHBoxLayout;
    fires->addWidget(m_comparison);
    fires->addWidget(m_raise, 1);
    auto *clears = new QHBoxLayout;
    clears->addWidget(m_separateClear);
    clears->addWidget(m_clear, 1);
    auto *scope = new QHBoxLayout;
    scope->addWidget(m_scope);
    scope->addWidget(m_scopeText, 1);
    auto *form = new QFormLayout(this);
    form->addRow(m_title);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Metric:"), m_metric);
    form->addRow(tr("Fires when:"), fires);
    form->addRow(tr("Clears:"), clears);
    form->addRow(tr("&For:"), m_for);
    form->addRow(tr("&Severity:"), m_severity);
    form->addRow(tr("Applies to:"), scope);
    form->addRow(QString(), m_enabled);

    connect(m_metric, &QComboBox::currentTextChanged, this, &RuleForm::updateEnabled);
    connect(m_scope, &QComboBox::currentIndexChanged, this, &RuleForm::updateEnabled);
    connect(m_separateClear, &QCheckBox::toggled, this, &RuleForm::updateEnabled);
    // Without a separate clear threshold the alert clears where it fires.
    connect(m_raise, &QDoubleSpinBox::valueChanged, this, [this](double value) {
        if (!m_separateClear->isChecked())
            m_clear->setValue(value);
    });
    setRule({});
}

void RuleForm::setRule(const QJsonObject &rule)
{
    m_id = qint64(rule.value(QLatin1String("id")).toDouble());
    m_title->setText(m_id > 0 ? tr("Rule %1").arg(m_id) : tr("New rule"));
    m_name->setText(rule.value(QLatin1String("name")).toString());
    const int metric = m_metric->findText(rule.value(QLatin1String("metric")).toString());
    m_metric->setCurrentIndex(
        metric >= 0 ? metric : m_metric->findText(QStringLiteral("cpu_percent")));
    m_comparison->setCurrentIndex(m_comparison->findData(
        rule.value(QLatin1String("comparison")).toString(QStringLiteral(">"))));
    const double raise = rule.value(QLatin1String("raise")).toDouble();
    const double clear = rule.value(QLatin1String("clear")).toDouble(raise);
    m_separateClear->setChecked(clear != raise);
    m_raise->setValue(raise);
    m_clear->setValue(clear);
    m_for->setValue(int(std::lround(rule.value(QLatin1String("for_seconds")).toDouble())));
    m_severity->setCurrentIndex(m_severity->findData(
        rule.value(QLatin1String("severity")).toString(QStringLiteral("warning"))));
    const QString device = rule.value(QLatin1String("device")).toString();
    const QJsonObject labels = rule.value(QLatin1String("labels")).toObject();
    if (!device.isEmpty()) {
        setScope(Scope::Device);
        m_scopeText->setText(device);
    } else if (!labels.isEmpty()) {
        setScope(Scope::Labels);
        Labels selector;
        for (auto it = labels.constBegin(); it != labels.constEnd(); ++it)
            selector.insert(it.key(), it.value().toString());
        m_scopeText->setText(Rule::labelsText(selector));
    } else {
        setScope(Scope::Every);
        m_scopeText->clear();
    }
    m_enabled->setChecked(rule.value(QLatin1String("enabled")).toBool(true));
    updateEnabled();
}

void RuleForm::setScope(Scope scope)
{
    m_scope->setCurrentIndex(m_scope->findData(int(scope)));
}

QJsonObject RuleForm::body() const
{
    const auto scope = Scope(m_scope->currentData().toInt());
    const QString text = m_scopeText->text().trimmed();
    return {{QStringLiteral("name"), m_name->text().trimmed()},
        {QStringLiteral("metric"), m_metric->currentText()},
        {QStringLiteral("comparison"), m_comparison->currentData().toString()},
        {QStringLiteral("raise"), m_raise->value()},
        {QStringLiteral("clear"),
            m_separateClear->isChecked() ? m_clear->value() : m_raise->value()},
        {QStringLiteral("for_seconds"), m_for->value()},
        {QStringLiteral("severity"), m_severity->currentData().toString()},
        {QStringLiteral("device"), scope == Scope::Device ? QJsonValue(text) : QJsonValue()},
        // The selector's text form ("room=lab,rack=2"): the service parses
        // it and says what is wrong with it.
        {QStringLiteral("labels"),
            scope == Scope::Labels ? QJsonValue(text) : QJsonValue(QJsonObject())},
        {QStringLiteral("enabled"), m_enabled->isChecked()}};
}

void RuleForm::updateEnabled()
{
    // An offline rule fires on silence alone: no value, no thresholds.
    const bool valued = m_metric->currentText() != QLatin1String("offline");
    m_comparison->setEnabled(valued);
    m_raise->setEnabled(valued);
    m_separateClear->setEnabled(valued);
    m_clear->setEnabled(valued && m_separateClear->isChecked());
    const auto scope = Scope(m_scope->currentData().toInt());
    m_scopeText->setEnabled(scope != Scope::Every);
    m_scopeText->setPlaceholderText(scope == Scope::Device ? tr("the device's uuid")
            : scope == Scope::Labels                       ? tr("room=lab,role=gateway")
                                                           : QString());
}

} // namespace dmr::console
