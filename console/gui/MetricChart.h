// SPDX-License-Identifier: MIT
#pragma once

#include <QChartView>
#include <QList>
#include <QPointF>
#include <QStringList>

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace dmr::console {

// One chart of a device view: a few lines over time, pushed in one call per
// line (QXYSeries::replace), hover shows the value and time. Holds no data
// of its own beyond what the series draw.
class MetricChart : public QChartView
{
    Q_OBJECT
public:
    enum class Kind { Percent, Number, Rate };

    MetricChart(const QString &title, Kind kind, QWidget *parent = nullptr);

    // Creates one line per name (labels in the legend); keeps them if unchanged.
    void setSeriesNames(const QStringList &names, const QStringList &labels = {});
    QStringList seriesNames() const { return m_names; }
    void setTimeRange(qint64 fromMs, qint64 toMs);
    void setPoints(int series, const QList<QPointF> &points);
    // Rescales the value axis to what the lines show; call after setPoints.
    void rescale();
    // Pixel columns of the plot area: the most a history request needs.
    int plotColumns() const;
    int pointCount(int series) const;

signals:
    void painted();
    // A click on the plot, at this time (ms since the epoch): where a
    // device view shows the processes that were on top.
    void clickedAt(qint64 ms);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    void showValue(const QString &name, const QPointF &point, bool state);
    QString format(double value) const;

    Kind m_kind;
    QStringList m_names;
    QList<QLineSeries *> m_series;
    QDateTimeAxis *m_time;
    QValueAxis *m_values;
};

} // namespace dmr::console
