/**
 * Images for tests, encoded on the spot by sharp (the hostile ones crafted
 * byte by byte are in @airlock/testing/files). Never shipped through the main
 * entry point.
 */
import sharp from 'sharp';

/** A photo as a phone writes it: landscape pixels, EXIF Orientation 6, a camera and a GPS position. */
export async function orientedJpegWithGps(width = 1200, height = 800): Promise<Buffer> {
  return (
    sharp(gradient(width, height), { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 85 })
      .withExif({
        IFD0: { Make: 'Airlock', Model: 'TestCam' },
        // libvips names the GPS directory ifd3.
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '52/1 22/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '4/1 53/1 0/1',
        },
      })
      // withExif cannot set the orientation: libvips writes its own field over it.
      .withMetadata({ orientation: 6 })
      .toBuffer()
  );
}

/** A plain image in one of the upload formats. */
export async function plainImage(
  format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff',
  width: number,
  height: number,
): Promise<Buffer> {
  return sharp(gradient(width, height), { raw: { width, height, channels: 3 } })
    .toFormat(format)
    .toBuffer();
}

/** Left half red, top half green: enough structure to tell a rotation from a flip. */
function gradient(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      pixels[at] = x < width / 2 ? 230 : 20;
      pixels[at + 1] = y < height / 2 ? 230 : 20;
      pixels[at + 2] = Math.round((255 * x) / width);
    }
  }
  return pixels;
}

/** A real JPEG cut short: its first `fraction` of bytes, no EOI. */
export async function truncatedJpeg(fraction = 0.5): Promise<Buffer> {
  const whole = await plainImage('jpeg', 640, 480);
  return whole.subarray(0, Math.floor(whole.length * fraction));
}

/** Whether raw EXIF holds a GPS directory (tag 0x8825, GPSInfo), in either byte order. */
export function exifHasGps(exif: Buffer | undefined): boolean {
  if (!exif) return false;
  return exif.includes(Buffer.from([0x25, 0x88])) || exif.includes(Buffer.from([0x88, 0x25]));
}
