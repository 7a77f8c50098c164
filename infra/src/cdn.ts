import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * CloudFront in front of `processed` only, through origin access control: the
 * bucket policy lets this one distribution GetObject, and nothing else is
 * public. Renditions are content-addressed under HMAC tenant folders. A
 * rescan that quarantines an upload deletes its renditions from the bucket,
 * but edges may keep a cached copy until its TTL runs out (an hour by
 * default, a day at most), or until an invalidation.
 */
export function createCdn(scope: Construct, processed: s3.IBucket): cloudfront.Distribution {
  const cachePolicy = new cloudfront.CachePolicy(scope, 'RenditionCache', {
    comment: 'Airlock renditions: immutable keys, bounded TTL',
    defaultTtl: Duration.hours(1),
    maxTtl: Duration.days(1),
    minTtl: Duration.seconds(0),
    enableAcceptEncodingGzip: false,
    enableAcceptEncodingBrotli: false,
  });
  return new cloudfront.Distribution(scope, 'Cdn', {
    comment: 'Airlock processed renditions',
    defaultBehavior: {
      origin: origins.S3BucketOrigin.withOriginAccessControl(processed),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
    },
    priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
  });
}
