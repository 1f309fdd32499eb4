package openprovider

// Concurrency is the number of requests the client sends at once (the
// run's read strategy is chosen from it; see sync.ReadCapacity).
func (c *Client) Concurrency() int { return c.conc }

// ListPageSize is the number of domains one listing page holds (PageSize).
func (c *Client) ListPageSize() int { return PageSize }
