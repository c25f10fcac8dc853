package smtpd

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"sak/mailstore"
)

// Metrics counts what the mail side does, for Prometheus. A nil *Metrics
// counts nothing, so Deliverer and Outbound work without one.
//
// Every sak serve process has its own counters; the outbox gauges are read
// from the shared database at scrape time, so on several front ends over
// one PostgreSQL they show the same backlog.
type Metrics struct {
	// Registry holds sak's metrics and the Go runtime and process ones.
	Registry *prometheus.Registry

	received   *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	outbound   *prometheus.CounterVec
	latency    prometheus.Histogram
	dbErrors   prometheus.Counter
	reused     prometheus.Counter
}

// Outcomes of a received mail, the values of sak_mail_received_total's
// outcome label besides the transaction kinds (create, correspond,
// comment, note, bounce).
const (
	OutcomeDuplicate  = "duplicate"
	OutcomeQuarantine = "quarantine"
	OutcomeTempfail   = "tempfail" // 451 or exit 75: the MTA retries
	OutcomeRejected   = "rejected" // 5xx: unknown queue, unusable message
)

// NewMetrics makes the metrics and registers them, with gauges of store's
// outbox backlog computed at each scrape.
func NewMetrics(store *mailstore.Store) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sak_mail_received_total",
			Help: "Mails received over SMTP/LMTP, by outcome (create, correspond, comment, note, bounce, duplicate, quarantine, tempfail, rejected). Rejected counts refused recipients.",
		}, []string{"outcome"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sak_deliveries_total",
			Help: "Mails stored on a ticket, by queue.",
		}, []string{"queue"}),
		outbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sak_outbound_sends_total",
			Help: "Outbox rows handed to the relay, by result (sent, deferred, failed).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sak_delivery_duration_seconds",
			Help:    "Time from the end of DATA to the commit (or failure) of the delivery.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 120},
		}),
		dbErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sak_database_errors_total",
			Help: "Database operations of the mail side that failed (deliveries answered 451, outbox updates, backlog reads).",
		}),
		reused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sak_message_id_reused_total",
			Help: "Mails stored as new although their Message-ID was known: another mail with the same Message-ID (a web form's fixed id).",
		}),
	}
	// Zero series for every outcome, so that rate() works from the start.
	for _, o := range []string{"create", "correspond", "comment", "note", "bounce", OutcomeDuplicate, OutcomeQuarantine, OutcomeTempfail, OutcomeRejected} {
		m.received.WithLabelValues(o)
	}
	for _, r := range []string{"sent", "deferred", "failed"} {
		m.outbound.WithLabelValues(r)
	}
	m.Registry.MustRegister(m.received, m.deliveries, m.outbound, m.latency, m.dbErrors, m.reused,
		&backlogCollector{store: store, m: m},
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "sak_template_failures_total",
			Help: "Mails written with a built-in template because the queue's own failed (logged with the key template_fallback).",
		}, func() float64 {
			if store == nil {
				return 0
			}
			return float64(store.TemplateFailures())
		}),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Delivered counts the end of one delivery: its outcome, queue and
// latency, or its failure.
func (m *Metrics) Delivered(res *mailstore.Delivery, err error, start time.Time) {
	if m == nil {
		return
	}
	m.latency.Observe(time.Since(start).Seconds())
	switch {
	case errors.Is(err, ErrUnusable):
		m.received.WithLabelValues(OutcomeRejected).Inc()
	case err != nil:
		m.received.WithLabelValues(OutcomeTempfail).Inc()
		m.dbErrors.Inc()
	case res.Duplicate:
		m.received.WithLabelValues(OutcomeDuplicate).Inc()
	case res.Quarantine != 0:
		m.received.WithLabelValues(OutcomeQuarantine).Inc()
	default:
		m.received.WithLabelValues(res.Kind).Inc()
		m.deliveries.WithLabelValues(res.Queue).Inc()
		if res.Reused != 0 {
			m.reused.Inc()
		}
	}
}

// Routed counts a recipient the session refused: unknown (rejected) or
// not looked up because the database failed (tempfail).
func (m *Metrics) Routed(err error) {
	if m == nil || err == nil {
		return
	}
	if errors.Is(err, mailstore.ErrUnknownQueue) {
		m.received.WithLabelValues(OutcomeRejected).Inc()
		return
	}
	m.received.WithLabelValues(OutcomeTempfail).Inc()
	m.dbErrors.Inc()
}

// Sent counts one outbox row handed to the relay: sent, deferred or
// failed.
func (m *Metrics) Sent(result string) {
	if m != nil {
		m.outbound.WithLabelValues(result).Inc()
	}
}

// DBError counts a failed database operation outside deliveries.
func (m *Metrics) DBError() {
	if m != nil {
		m.dbErrors.Inc()
	}
}

var (
	outboxPendingDesc = prometheus.NewDesc("sak_outbox_pending", "Outbox rows waiting to be sent (pending or being sent).", nil, nil)
	outboxFailedDesc  = prometheus.NewDesc("sak_outbox_failed", "Outbox rows that failed permanently.", nil, nil)
	outboxAgeDesc     = prometheus.NewDesc("sak_outbox_oldest_pending_age_seconds", "Age of the oldest outbox row waiting to be sent; 0 when none waits.", nil, nil)
)

// backlogCollector reads the outbox backlog when Prometheus scrapes.
type backlogCollector struct {
	store *mailstore.Store
	m     *Metrics
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxPendingDesc
	ch <- outboxFailedDesc
	ch <- outboxAgeDesc
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.store.OutboxBacklog(ctx)
	if err != nil {
		// No gauges rather than wrong ones; the error counter moves and
		// /readyz tells why.
		c.m.DBError()
		ch <- prometheus.NewInvalidMetric(outboxPendingDesc, err)
		return
	}
	var age float64
	if !st.Oldest.IsZero() {
		age = max(time.Since(st.Oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(outboxPendingDesc, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(outboxFailedDesc, prometheus.GaugeValue, float64(st.Failed))
	ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, age)
}
