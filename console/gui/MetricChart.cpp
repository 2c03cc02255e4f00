// SPDX-License-Identifier: MIT
#include "gui/MetricChart.h"

#include "gui/HumanFormat.h"

#include <QChart>
#include <QCursor>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QMouseEvent>
#include <QTimeZone>
#include <QToolTip>
#include <QValueAxis>
#include <cmath>

namespace dmr::console {

MetricChart::MetricChart(const QString &title, Kind kind, QWidget *parent)
    : QChartView(parent)
    , m_kind(kind)
    , m_time(new QDateTimeAxis)
    , m_values(new QValueAxis)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->addAxis(m_time, Qt::AlignBottom);
    chart->addAxis(m_values, Qt::AlignLeft);
    m_time->setTickCount(6);
    m_values->setLabelFormat(kind == Kind::Percent ? QStringLiteral("%.0f %%")
            : kind == Kind::Rate                   ? QStringLiteral("%.0f")
                                                   : QStringLiteral("%.2f"));
    if (kind == Kind::Percent)
        m_values->setRange(0, 100);
    setChart(chart);
    // Thousands of points a line: antialiasing would cost more than the rest of a paint.
    setRenderHint(QPainter::Antialiasing, false);
    setMinimumHeight(200);
}

void MetricChart::setSeriesNames(const QStringList &names, const QStringList &labels)
{
    if (names == m_names)
        return;
    for (QLineSeries *series : std::as_const(m_series)) {
        chart()->removeSeries(series);
        delete series;
    }
    m_series.clear();
    m_names = names;
    for (int i = 0; i < names.size(); ++i) {
        auto *series = new QLineSeries;
        series->setName(i < labels.size() ? labels.at(i) : names.at(i));
        chart()->addSeries(series);
        series->attachAxis(m_time);
        series->attachAxis(m_values);
        const QString name = series->name();
        connect(series, &QLineSeries::hovered, this,
            [this, name](const QPointF &point, bool state) { showValue(name, point, state); });
        m_series.append(series);
    }
}

void MetricChart::setTimeRange(qint64 fromMs, qint64 toMs)
{
    m_time->setFormat(
        toMs - fromMs <= 86400000 ? QStringLiteral("HH:mm:ss") : QStringLiteral("MMM d HH:mm"));
    m_time->setRange(QDateTime::fromMSecsSinceEpoch(fromMs), QDateTime::fromMSecsSinceEpoch(toMs));
}

void MetricChart::setPoints(int series, const QList<QPointF> &points)
{
    if (series >= 0 && series < m_series.size())
        m_series[series]->replace(points);
}

int MetricChart::pointCount(int series) const
{
    return series >= 0 && series < m_series.size() ? m_series[series]->count() : 0;
}

void MetricChart::rescale()
{
    if (m_kind == Kind::Percent)
        return;
    double max = 0;
    for (const QLineSeries *series : std::as_const(m_series)) {
        const QList<QPointF> points = series->points();
        for (const QPointF &p : points)
            max = std::max(max, p.y());
    }
    if (max <= 0)
        max = 1;
    // A round top a little above the highest value.
    const double magnitude = std::pow(10.0, std::floor(std::log10(max)));
    const double top = std::ceil(max * 1.1 / magnitude) * magnitude;
    m_values->setRange(0, top);
}

int MetricChart::plotColumns() const
{
    const int width = int(chart()->plotArea().width());
    return width > 10 ? width : 800;
}

void MetricChart::mousePressEvent(QMouseEvent *event)
{
    QChartView::mousePressEvent(event);
    const QPointF at = chart()->mapFromScene(mapToScene(event->position().toPoint()));
    if (m_series.isEmpty() || !chart()->plotArea().contains(at))
        return;
    const QPointF value = chart()->mapToValue(at, m_series.first());
    emit clickedAt(qint64(value.x()));
}

void MetricChart::paintEvent(QPaintEvent *event)
{
    QChartView::paintEvent(event);
    emit painted();
}

QString MetricChart::format(double value) const
{
    switch (m_kind) {
    case Kind::Percent:
        return QStringLiteral("%1 %").arg(value, 0, 'f', 1);
    case Kind::Rate:
        return HumanFormat::rate(value);
    case Kind::Number:
        break;
    }
    return QString::number(value, 'f', 2);
}

void MetricChart::showValue(const QString &name, const QPointF &point, bool state)
{
    if (!state) {
        QToolTip::hideText();
        return;
    }
    const QString time = QDateTime::fromMSecsSinceEpoch(qint64(point.x()))
                             .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    QToolTip::showText(
        QCursor::pos(), QStringLiteral("%1: %2\n%3").arg(name, format(point.y()), time), this);
}

} // namespace dmr::console
