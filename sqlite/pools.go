package sqlite

import "paygate"

// PoolStats tells of the writer's connection (one) and the readers' pool.
func (s *Store) PoolStats() map[string]paygate.PoolStats {
	out := map[string]paygate.PoolStats{}
	for name, d := range map[string]*db{"writer": s.w, "reader": s.r} {
		st := d.Stats()
		out[name] = paygate.PoolStats{Max: st.MaxOpenConnections, Open: st.OpenConnections, InUse: st.InUse,
			Waits: st.WaitCount, WaitDuration: st.WaitDuration}
	}
	return out
}
