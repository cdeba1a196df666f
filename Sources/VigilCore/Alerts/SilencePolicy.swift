/// Which Alertmanager silences stand for an operator's acknowledgement,
/// and what Vigil does with them. Pure: the Alertmanager source turns
/// these answers into requests.
public enum SilencePolicy {
    /// The silences that acknowledge exactly this alert: active, and with
    /// one plain equality matcher per label of the alert (what Vigil
    /// creates, from any operator's Vigil). A broader silence (a whole
    /// service's maintenance, a regular expression, a subset of the
    /// labels) is never taken for an acknowledgement, so `u` never
    /// expires one.
    public static func acknowledgements(of alert: AMAlert, in silences: [AMSilence]) -> [AMSilence] {
        silences.filter { s in
            s.state == "active" && s.matchers.count == alert.labels.count
                && s.matchers.allSatisfy { !$0.isRegex && $0.isEqual && alert.labels[$0.name] == $0.value }
        }
    }

    /// Silences this operator created that run out within a quarter of
    /// `duration` while an alert they match still fires: each is extended
    /// to `now + duration`, so an acknowledgement lasts as long as the
    /// alert (and a Vigil) runs. Others' silences are theirs to extend.
    public static func toExtend(
        _ silences: [AMSilence], alerts: [AMAlert], identity: String, duration: PromDuration, now: Int64
    ) -> [(silence: AMSilence, alert: AMAlert)] {
        let quarter = duration.milliseconds / 4
        return silences.compactMap { s in
            guard s.state == "active", s.createdBy == identity, s.endsAtMs - now < quarter,
                let alert = alerts.first(where: { s.matches($0.labels) })
            else { return nil }
            return (s, alert)
        }
    }
}
