package dashboard

import (
	"net/http"
	"strconv"

	"paygate"
	"paygate/gateway"
)

// overviewView is the overview page's data.
type overviewView struct {
	*gateway.Overview
	Charts map[string]*chart // by currency
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, v *view) {
	if v.Merchant == "" {
		http.Redirect(w, r, "/dashboard/merchants", http.StatusSeeOther)
		return
	}
	o, err := h.payments.Overview(paygate.WithMerchantID(r.Context(), v.Merchant))
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	ov := &overviewView{Overview: o, Charts: map[string]*chart{}}
	for _, c := range o.Currencies {
		ov.Charts[c.Currency] = dayChart(v.T, c)
	}
	v.Nav, v.Title, v.Data = "overview", v.T["overview"], ov
	h.render(w, r, http.StatusOK, "overview", v)
}

// chart is a bar chart of a currency's days, drawn by the server as SVG:
// each day's approved volume, and its refunds beside it.
type chart struct {
	Width, Height  int
	Volume, Refund []bar
	Max            string // the top of the scale, as money
	First, Last    string // the first and the last day
	Desc           string // what the chart shows, for screen readers
}

type bar struct {
	X, Y, W, H int
	Title      string
}

const (
	chartW, chartH = 600, 160
	chartTop       = 12 // room for the scale's label
)

func dayChart(t map[string]string, c gateway.CurrencyOverview) *chart {
	ch := &chart{Width: chartW, Height: chartH + chartTop}
	var top int64
	for _, d := range c.Days {
		top = max(top, d.VolumeMinor, d.Refund)
	}
	slot := chartW / len(c.Days)
	height := func(v int64) int {
		if top == 0 || v == 0 {
			return 0
		}
		return max(1, int(v*chartH/top))
	}
	for i, d := range c.Days {
		day := d.Day.Format("2006-01-02")
		vol, ref := paygate.Money{Minor: d.VolumeMinor, Currency: c.Currency}, paygate.Money{Minor: d.Refund, Currency: c.Currency}
		hv, hr := height(d.VolumeMinor), height(d.Refund)
		x := i * slot
		ch.Volume = append(ch.Volume, bar{X: x + 2, Y: chartTop + chartH - hv, W: slot * 3 / 5, H: hv,
			Title: day + ": " + vol.String() + " " + c.Currency + ", " + strconv.Itoa(d.Count)})
		ch.Refund = append(ch.Refund, bar{X: x + 2 + slot*3/5, Y: chartTop + chartH - hr, W: slot / 4, H: hr,
			Title: day + " " + t["refunds"] + ": " + ref.String() + " " + c.Currency})
	}
	ch.Max = paygate.Money{Minor: top, Currency: c.Currency}.String() + " " + c.Currency
	ch.First, ch.Last = c.Days[0].Day.Format("01-02"), c.Days[len(c.Days)-1].Day.Format("01-02")
	ch.Desc = t["chartDesc"]
	return ch
}
