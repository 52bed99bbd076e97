package sellers_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

// twoPhones is seed 004's example submission with a second phone.
var twoPhones = strings.Replace(submission, `"files":[{"type":"Photos","location":"http://my-assets/1.jpg","metadata":{"name":"Front"}}]}]}`,
	`"files":[{"type":"Photos","location":"http://my-assets/1.jpg","metadata":{"name":"Front"}}]},
	{"externalId":"ExternalId2","categoryId":"`+one+`","brandId":"`+one+`","model":"Model2","description":"Description2",
	 "attributes":[{"id":"a-size","values":["v-size1"]},{"id":"a-cond","values":["v-cond1"]}],
	 "files":[{"type":"Photos","location":"http://my-assets/2.jpg","metadata":{"name":"Front"}}]}]}`, 1)

// A seller submits two phones over real HTTP. One is accepted with an
// offer, reminded at day 5 and day 12, accepted by the seller, and
// received and graded at a real bench (its store file, the sync engine,
// the hub's bench API); the other is asked for more photos, gets them, and
// is rejected. Every event reaches the seller's receiver once, signed, in
// the seed's envelope.
func TestTwoPhonesFromASellerToTheBench(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.ids["submission"], e.ids["item"], e.ids["offer"] = []string{"sub-1"}, []string{"item-1", "item-2"}, []string{"offer-1"}
	base := "/v2/sellers/" + e.sellerID + "/submissions/sub-1/items/"
	admin := "/admin/sellers/" + e.sellerID + "/submissions/sub-1/items/"
	var types []string
	collect := func() {
		t.Helper()
		for _, body := range e.events() {
			var env struct {
				Type   string          `json:"type"`
				Token  string          `json:"token"`
				Result json.RawMessage `json:"result"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &env), body)
			require.NotEmpty(t, env.Token)
			require.NotEmpty(t, env.Result)
			types = append(types, env.Type)
		}
	}
	ok := func(r response) {
		t.Helper()
		require.Less(t, r.status, 300, "%s", r.body)
	}

	ok(e.do("POST", "/v2/sellers/"+e.sellerID+"/submissions", e.key, twoPhones))
	collect()

	// Phone 1: an offer, two reminders, the seller's yes.
	ok(e.do("POST", admin+"item-1/accept", "", `{"offerPrice":{"currencyIsoCode":"EUR","amount":100}}`))
	collect()
	for _, days := range []int{5, 7} {
		e.clock.Advance(time.Duration(days) * 24 * time.Hour)
		_, err := e.sched.RunDue(ctx)
		require.NoError(t, err)
		collect()
	}
	ok(e.do("POST", base+"item-1/offer", e.key, `{"action":"Accept"}`))
	collect()

	// Phone 2: more photos asked for and sent, then rejected.
	ok(e.do("POST", admin+"item-2/more-information", "", `{"additionalPhotos":["Back"]}`))
	collect()
	ok(e.do("POST", base+"item-2/assets", e.key,
		`{"type":"Photos","provider":"ExternalUrl","location":"http://my-assets/2-back.jpg","metadata":{"PhotoType":"Back","PhotoSubtype":"Full"}}`))
	ok(e.do("POST", admin+"item-2/reject", "", `{"rejectionReason":"ConditionNotAccepted"}`))
	collect()

	assert.Equal(t, []string{"SubmissionCreatedEvent", "SubmissionItemAcceptedEvent", "OfferReminderEvent", "OfferReminderEvent",
		"SubmissionMoreInformationAskedEvent", "SubmissionItemRejectedEvent"}, types, "each event once, in order")
	e.recv.mu.Lock()
	ids := map[string]bool{}
	for _, id := range e.recv.ids {
		assert.False(t, ids[id], "delivery %s arrived twice", id)
		ids[id] = true
	}
	e.recv.mu.Unlock()

	// Phone 1 reaches a bench like any trade-in. It carries no IMEI: the
	// technician scans the phone's own and links it by the reference.
	tech := intake.Operator{ID: "op-tech-1", Name: "Tess Tech", Role: intake.RoleTechnician}
	require.NoError(t, e.hub.PutOperators(ctx, []wire.Operator{{ID: tech.ID, Name: tech.Name, Role: tech.Role}}))
	code, err := e.hub.CreateEnrollment(ctx, "bench-1", wire.BenchScopes, time.Hour)
	require.NoError(t, err)
	enrolled, err := e.hub.Enroll(ctx, code, "bench-1")
	require.NoError(t, err)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	defer st.Close()
	client, err := benchsync.NewClient(e.srv.URL, enrolled.Token)
	require.NoError(t, err)
	engine := benchsync.New(st, client, "bench-1")
	bench := intake.NewBench(st, "bench-1", e.clock.Now, uuid.NewString)
	_, err = engine.RunOnce(ctx)
	require.NoError(t, err)
	phone, err := st.TradeIn(ctx, "sli_item1")
	require.NoError(t, err, "the accepted phone is in the bench's cache")
	assert.Equal(t, intake.StatusAccepted, phone.Status)
	rejected, err := st.TradeIn(ctx, "sli_item2")
	require.NoError(t, err)
	assert.Equal(t, intake.StatusDeclined, rejected.Status, "the rejected phone expects no device")

	const imei = "356938035643809"
	m, err := bench.Lookup(ctx, imei)
	require.NoError(t, err)
	require.Equal(t, intake.OutcomeUnknown, m.Outcome, "no trade-in holds the phone's IMEI")
	_, err = bench.ReceiveByTradeIn(ctx, tech, phone.ID, imei, "reference on the seller's packing slip")
	require.NoError(t, err)
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{}, BatteryHealth: 92}
	for _, z := range intake.Zones {
		in.Cosmetic[z] = intake.SeverityNone
	}
	for _, c := range intake.Checks {
		in.Checks[c] = intake.Pass
	}
	g, err := bench.RecordGrading(ctx, tech, phone.ID, in)
	require.NoError(t, err)
	assert.False(t, g.Decision.Reroute, "flawless is as disclosed or better")
	sum, err := engine.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Applied, "the receipt and the grading")
	done, err := e.hub.TradeIn(ctx, phone.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusCompleted, done.Status)
	r, received, err := e.hub.Receipt(ctx, phone.ID)
	require.NoError(t, err)
	require.True(t, received)
	assert.Equal(t, imei, r.IMEI)
	collect()
	assert.Len(t, types, 6, "the bench's work sends the seller no event of seed 004")
}
