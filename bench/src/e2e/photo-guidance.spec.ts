import { coresPerThousandPhotosAnHour, photoCost } from './photo-guidance.ts';

describe('photo scaling guidance', () => {
  it('counts clamd with the scanner, media alone, per photo', () => {
    expect(photoCost({ clamd: 40, scanner: 2, media: 10, verifier: 3 }, 10)).toEqual({
      scanner: 4.2,
      media: 1,
    });
  });

  it('turns CPU-seconds per photo into cores per 1,000 photos an hour', () => {
    // 3.6 s a photo × 1,000 an hour = 3,600 CPU-seconds an hour: one core.
    expect(coresPerThousandPhotosAnHour(3.6)).toBeCloseTo(1);
    expect(coresPerThousandPhotosAnHour(0.9)).toBeCloseTo(0.25);
  });

  it('is NaN for an empty set, never a division by zero', () => {
    expect(photoCost({ clamd: 1 }, 0).scanner).toBeNaN();
  });
});
