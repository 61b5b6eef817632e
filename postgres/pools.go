package postgres

import "paygate"

// PoolStats tells of the connection pool.
func (s *Store) PoolStats() map[string]paygate.PoolStats {
	st := s.pool.Stat()
	return map[string]paygate.PoolStats{"pool": {Max: int(st.MaxConns()), Open: int(st.TotalConns()),
		InUse: int(st.AcquiredConns()), Waits: st.EmptyAcquireCount(), WaitDuration: st.EmptyAcquireWaitTime()}}
}
