/** The server's home page `GET /` links the provider URL, and the logger's dashboard when configured. */
import { homePage } from '../../src/endpoint/home';

describe('homePage', () => {
  it('links the dashboard named by server.dashboardUrl, escaped', () => {
    const html = homePage('http://localhost:3000/sdata', 'http://localhost:3100/dashboard?a=1&b="2"');
    expect(html).toContain('<a href="http://localhost:3100/dashboard?a=1&#38;b=&#34;2&#34;">');
    expect(html).toContain('<a href="http://localhost:3000/sdata">');
  });

  it('says nothing of a dashboard without one', () => {
    expect(homePage('http://localhost:3000/sdata')).not.toContain('dashboard');
  });
});
